using System.Net;
using Herald.Receiver;
using Herald.Signing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Cli.Listening;

/// <summary>Settings of <c>herald listen</c>.</summary>
internal sealed record ListenSettings(int Port, IReadOnlyList<string> Secrets, int Status, string Path, bool RejectInvalid);

/// <summary>
/// A Kestrel server on 127.0.0.1 that verifies (when given secrets), prints and answers every request under
/// its path. It is a development sink: it does not de-duplicate, and it answers the chosen status even
/// when verification fails unless told to reject.
/// </summary>
internal sealed class WebhookListener(ListenSettings settings, WebhookPrinter printer, TextWriter log, TimeProvider time)
{
    /// <summary>Larger than Herald's default publish limit (1 MiB), so nothing Herald sends is refused.</summary>
    private const long MaxBodySize = 16 * 1024 * 1024;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        WebhookVerifier? verifier;
        try
        {
            verifier = settings.Secrets.Count == 0 ? null : new WebhookVerifier(settings.Secrets, time);
        }
        catch (ArgumentException exception)
        {
            throw CliException.Usage($"--secret: {exception.Message}");
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, settings.Port);
            kestrel.Limits.MaxRequestBodySize = MaxBodySize;
        });
        await using var app = builder.Build();
        app.Run(http => HandleAsync(http, verifier));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException exception)
        {
            throw new CliException(ExitCodes.Unavailable, $"cannot listen on 127.0.0.1:{settings.Port}: {exception.Message}");
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        var checking = verifier is null
            ? "NOT verifying signatures: no --secret"
            : $"verifying with {settings.Secrets.Count} secret(s)";
        await log.WriteLineAsync($"Listening on {address}{(settings.Path == "/" ? "/" : settings.Path)}  ({checking}; answering {settings.Status}). Ctrl+C to stop.");
        await log.FlushAsync(CancellationToken.None);

        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: the normal way to stop.
        }

        await app.StopAsync(CancellationToken.None);
        return ExitCodes.Success;
    }

    private async Task HandleAsync(HttpContext http, WebhookVerifier? verifier)
    {
        var request = http.Request;
        if (settings.Path != "/" && !request.Path.StartsWithSegments(settings.Path, StringComparison.Ordinal))
        {
            await log.WriteLineAsync($"{request.Method} {request.Path} -> 404 (not under {settings.Path})");
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, http.RequestAborted);
        var body = new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
        var verification = verifier?.Verify(request.Headers, body.Span);
        var status = settings.RejectInvalid && verification is { IsValid: false } ? StatusCodes.Status401Unauthorized : settings.Status;

        var received = new ReceivedWebhook(
            time.GetUtcNow(),
            request.Method,
            request.Path.Value ?? "/",
            Header(request, WebhookHeaders.Event),
            Header(request, WebhookHeaders.Id) ?? Header(request, WebhookHeaders.DeliveryId),
            Header(request, WebhookHeaders.Attempt),
            verification,
            body,
            status);
        await printer.PrintAsync(received, http.RequestAborted);

        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(
            status is >= 200 and < 300 ? "{\"received\":true}" : $"{{\"received\":true,\"answered\":{status}}}",
            http.RequestAborted);
    }

    private static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) && values.Count > 0 && !string.IsNullOrWhiteSpace(values[0]) ? values[0] : null;
}
