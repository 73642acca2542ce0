using System.CommandLine;
using Herald.Cli.Listening;

namespace Herald.Cli.Commands;

/// <summary><c>herald listen</c>: a local receiver that prints each webhook with its verification result.</summary>
internal static class ListenCommand
{
    public const int DefaultPort = 9000;

    public static Command Create(CommandActions actions)
    {
        var port = new Option<int>("--port", "-p") { Description = $"Port on 127.0.0.1 (default {DefaultPort}; 0 picks a free one)", DefaultValueFactory = _ => DefaultPort };
        var secrets = new Option<string[]>("--secret") { Description = "The webhook's signing secret (repeat during a rotation); without it nothing is verified", HelpName = "whsec_..." };
        var status = new Option<int>("--status") { Description = "HTTP status to answer (default 200; e.g. 500 to watch Herald retry, 410 to disable the webhook)", DefaultValueFactory = _ => 200 };
        var path = new Option<string>("--path") { Description = "Only requests under this path are webhooks; others get 404 (default /: all)", DefaultValueFactory = _ => "/" };
        var rejectInvalid = new Option<bool>("--reject-invalid") { Description = "Answer 401 when the signature does not verify, as a real receiver would" };
        var command = new Command("listen", "Receive webhooks locally: print each one (event, delivery id, attempt, signature check, body) and answer")
        {
            port, secrets, status, path, rejectInvalid,
        };
        actions.Set(command, async (context, ct) =>
        {
            var settings = new ListenSettings(
                context.Value(port),
                context.Value(secrets) ?? [],
                context.Value(status),
                NormalizePath(context.Value(path)),
                context.Value(rejectInvalid));
            if (settings.Port is < 0 or > 65535)
            {
                throw CliException.Usage("--port must be from 0 to 65535");
            }

            if (settings.Status is < 100 or > 599)
            {
                throw CliException.Usage("--status must be an HTTP status code from 100 to 599");
            }

            var printer = new WebhookPrinter(context.Console.Output, context.Json);
            return await new WebhookListener(settings, printer, context.Console.Error, TimeProvider.System).RunAsync(ct);
        });
        return command;
    }

    private static string NormalizePath(string? path)
    {
        var trimmed = (path ?? "/").Trim();
        trimmed = trimmed.StartsWith('/') ? trimmed : "/" + trimmed;
        return trimmed.Length > 1 ? trimmed.TrimEnd('/') : trimmed;
    }
}
