using System.CommandLine;
using System.Text.Json;
using Herald.Cli.Api;

namespace Herald.Cli.Commands;

/// <summary><c>herald query test|validate</c>: try a webhook query before putting it on a webhook.</summary>
internal static class QueryCommand
{
    public static Command Create(CommandActions actions)
    {
        var command = new Command("query", "Check webhook queries");
        command.Add(Test(actions));
        command.Add(Validate(actions));
        return command;
    }

    private static Command Test(CommandActions actions)
    {
        var query = new Argument<string>("query") { Description = "The query, e.g. 'data.status=\"CLOSED\"'" };
        var evt = new Option<string>("--event") { Description = $"The event to test against: {JsonInput.Help}", Required = true, HelpName = "json" };
        var command = new Command("test", "Tell whether a query matches an event (exit 0 either way; 1 if the query is invalid)") { query, evt };
        actions.Set(command, async (context, ct) =>
        {
            var text = context.Value(query)!;
            var eventJson = await JsonInput.ReadElementAsync(context.Value(evt)!, context.Console, "the event", ct);
            using var client = context.CreateClient();
            JsonElement result;
            try
            {
                result = await client.PostAsync("api/v1/query/test", JsonSerializer.Serialize(new Dictionary<string, object> { ["query"] = text, ["event"] = eventJson }), ct);
            }
            catch (HeraldApiException exception) when (exception.Position is { } position)
            {
                await WriteInvalidAsync(context, text, exception.Reason, position, exception.Body);
                return ExitCodes.ApiError;
            }

            if (context.Json)
            {
                await context.Out.JsonAsync(result);
            }
            else
            {
                await context.Out.LineAsync(result.GetProperty("matches").GetBoolean() ? "match" : "no match");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Validate(CommandActions actions)
    {
        var query = new Argument<string>("query") { Description = "The query" };
        var command = new Command("validate", "Check a query's syntax (exit 1 when it is invalid)") { query };
        actions.Set(command, async (context, ct) =>
        {
            var text = context.Value(query)!;
            using var client = context.CreateClient();
            var result = await client.PostAsync("api/v1/query/validate", JsonSerializer.Serialize(new Dictionary<string, string> { ["query"] = text }), ct);
            if (result.GetProperty("valid").GetBoolean())
            {
                await (context.Json ? context.Out.JsonAsync(result) : context.Out.LineAsync("valid"));
                return ExitCodes.Success;
            }

            var error = result.GetProperty("error");
            var position = error.TryGetProperty("position", out var p) && p.TryGetInt32(out var column) ? column : 1;
            await WriteInvalidAsync(context, text, error.GetProperty("message").GetString() ?? "invalid query", position, result.GetRawText());
            return ExitCodes.ApiError;
        });
        return command;
    }

    /// <summary>The message on stderr with the query and a caret under the column; with --json the answer on stdout too.</summary>
    private static async Task WriteInvalidAsync(CommandContext context, string query, string message, int position, string body)
    {
        if (context.Json)
        {
            using var document = JsonDocument.Parse(body);
            await context.Out.JsonAsync(document.RootElement);
        }

        var error = context.Console.Error;
        await error.WriteLineAsync($"error: invalid query at column {position}: {message}");
        await error.WriteLineAsync("  " + query);
        await error.WriteLineAsync("  " + new string(' ', Math.Clamp(position - 1, 0, query.Length)) + "^");
    }
}
