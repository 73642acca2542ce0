using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Herald.Cli.Tests.Infrastructure;
using Herald.Signing;

namespace Herald.Cli.Tests.Listening;

/// <summary><c>herald listen</c> run in-process through the CLI's entry point, stopped by cancellation (as Ctrl+C does).</summary>
internal sealed partial class InProcessListener : IAsyncDisposable
{
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private readonly TextWriter _syncOutput;
    private readonly TextWriter _syncError;
    private readonly CancellationTokenSource _stop = new();
    private Task<int>? _run;

    private InProcessListener()
    {
        _syncOutput = TextWriter.Synchronized(_output);
        _syncError = TextWriter.Synchronized(_error);
    }

    public string BaseUrl { get; private set; } = string.Empty;

    public HttpClient Http { get; } = new();

    public string Output
    {
        get
        {
            lock (_syncOutput)
            {
                return _output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_syncError)
            {
                return _error.ToString();
            }
        }
    }

    public static async Task<InProcessListener> StartAsync(params string[] args)
    {
        var listener = new InProcessListener();
        var console = new CliConsole(listener._syncOutput, listener._syncError, () => Stream.Null, _ => null);
        listener._run = Task.Run(() => HeraldCli.RunAsync(["listen", "--port", "0", .. args], console, listener._stop.Token));
        await Eventually.TrueAsync(
            () => listener._run.IsCompleted ? throw new InvalidOperationException($"listen ended ({listener._run.Result}): {listener.Error}") : Banner().IsMatch(listener.Error),
            "the listen banner");
        listener.BaseUrl = Banner().Match(listener.Error).Groups["url"].Value;
        return listener;
    }

    /// <summary>A body signed as Herald signs it (both schemes), with Herald's extra headers.</summary>
    public static HttpRequestMessage Signed(string url, string body, string secret, string deliveryId = "dlv_test_1", string eventName = "assets.proxies.update", int attempt = 1, bool standard = true, bool ignite = true)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var now = DateTimeOffset.UtcNow;
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        if (standard)
        {
            request.Headers.Add(WebhookHeaders.Id, deliveryId);
            request.Headers.Add(WebhookHeaders.Timestamp, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            request.Headers.Add(WebhookHeaders.Signature, StandardWebhookSignature.Sign(WebhookSecret.DecodeStandardKey(secret), deliveryId, now.ToUnixTimeSeconds(), bytes));
        }

        if (ignite)
        {
            request.Headers.Add(WebhookHeaders.IgniteSignature, IgniteSignature.Sign(secret, now.ToUnixTimeMilliseconds(), bytes));
        }

        request.Headers.Add(WebhookHeaders.DeliveryId, deliveryId);
        request.Headers.Add(WebhookHeaders.Event, eventName);
        request.Headers.Add(WebhookHeaders.Attempt, attempt.ToString(CultureInfo.InvariantCulture));
        return request;
    }

    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync();
        return await _run!;
    }

    public async ValueTask DisposeAsync()
    {
        if (_run is { IsCompleted: false })
        {
            await StopAsync();
        }

        Http.Dispose();
        _stop.Dispose();
    }

    [GeneratedRegex(@"Listening on (?<url>http://127\.0\.0\.1:\d+)")]
    private static partial Regex Banner();
}
