using System.CommandLine;
using Herald.Cli.Output;

namespace Herald.Cli.Commands;

/// <summary><c>herald events publish</c>.</summary>
internal static class EventsCommand
{
    public static Command Create(CommandActions actions)
    {
        var command = new Command("events", "Publish events");
        command.Add(Publish(actions));
        return command;
    }

    private static Command Publish(CommandActions actions)
    {
        var input = new Argument<string>("event") { Description = $"One event object or an array of them: {JsonInput.Help}" };
        var idempotencyKey = new Option<string?>("--idempotency-key") { Description = "Publishing again with the same key returns the first ids and creates no deliveries", HelpName = "key" };
        var command = new Command("publish", "Publish one event or an array of events (the bytes are sent, and delivered, unchanged)") { input, idempotencyKey };
        actions.Set(command, async (context, ct) =>
        {
            var body = await JsonInput.ReadAsync(context.Value(input)!, context.Console, "the event", ct);
            var headers = context.Value(idempotencyKey) is { Length: > 0 } key ? new Dictionary<string, string> { ["Idempotency-Key"] = key } : null;
            using var client = context.CreateClient();
            var accepted = await client.SendAsync(HttpMethod.Post, "api/v1/events", body, headers, ct);
            if (context.Json)
            {
                await context.Out.JsonAsync(accepted);
                return ExitCodes.Success;
            }

            var ids = accepted.GetProperty("ids").EnumerateArray().Select(id => (IReadOnlyList<string>)[JsonText.Of(id)]).ToList();
            await context.Out.TableAsync(["EVENT ID"], ids);
            return ExitCodes.Success;
        });
        return command;
    }
}
