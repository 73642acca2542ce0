using System.CommandLine;
using System.Text.Json;
using Herald.Cli.Output;

namespace Herald.Cli.Commands;

/// <summary><c>herald deliveries list|show|retry</c>.</summary>
internal static class DeliveriesCommand
{
    public static Command Create(CommandActions actions)
    {
        var command = new Command("deliveries", "Inspect and retry deliveries");
        command.Add(List(actions));
        command.Add(Show(actions));
        command.Add(Retry(actions));
        return command;
    }

    private static Command List(CommandActions actions)
    {
        var webhookId = new Option<string?>("--webhook-id", "-w") { Description = "Only this webhook's deliveries", HelpName = "id" };
        var status = new Option<string?>("--status", "-s") { Description = "pending, succeeded, failed or cancelled" };
        var objectId = new Option<string?>("--object-id") { Description = "Only deliveries of events for this object", HelpName = "id" };
        var paging = new PagingOptions();
        var command = new Command("list", "List deliveries, newest first") { webhookId, status, objectId };
        paging.AddTo(command);
        actions.Set(command, async (context, ct) =>
        {
            using var client = context.CreateClient();
            var page = await paging.FetchAsync(
                context,
                client,
                "api/v1/deliveries",
                [("webhook_id", context.Value(webhookId)), ("status", context.Value(status)?.ToLowerInvariant()), ("object_id", context.Value(objectId))],
                ct);
            if (context.Json)
            {
                await context.Out.JsonAsync(page);
                return ExitCodes.Success;
            }

            var rows = page.GetProperty("objects").EnumerateArray().Select(d => (IReadOnlyList<string>)
            [
                JsonText.Of(d, "id"),
                JsonText.Of(d, "status"),
                JsonText.Of(d, "attempt_count"),
                LastOutcome(d),
                JsonText.Time(d, "next_attempt_at"),
                JsonText.Of(d, "webhook_id"),
                JsonText.Of(d, "object_id"),
                JsonText.Time(d, "date_created"),
            ]).ToList();
            await context.Out.TableAsync(["ID", "STATUS", "ATTEMPTS", "LAST", "NEXT ATTEMPT", "WEBHOOK", "OBJECT", "CREATED"], rows, "no deliveries");
            await paging.WriteNextHintAsync(context, page);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Show(CommandActions actions)
    {
        var id = WebhooksCommand.IdArgument("The delivery id (the webhook-id header)");
        var command = new Command("show", "Show one delivery with every attempt") { id };
        actions.Set(command, async (context, ct) =>
        {
            using var client = context.CreateClient();
            var delivery = await client.GetAsync($"api/v1/deliveries/{WebhooksCommand.Escape(context.Value(id)!)}", ct);
            if (context.Json)
            {
                await context.Out.JsonAsync(delivery);
                return ExitCodes.Success;
            }

            await WriteSummaryAsync(context, delivery);
            await context.Out.LineAsync();
            var attempts = delivery.TryGetProperty("attempts", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(a => (IReadOnlyList<string>)
                [
                    JsonText.Of(a, "number"),
                    JsonText.Time(a, "started_at"),
                    JsonText.Of(a, "status_code"),
                    JsonText.Of(a, "duration_ms"),
                    JsonText.Clip(JsonText.OneLine(JsonText.Of(a, "error")), 60),
                    JsonText.Clip(JsonText.OneLine(JsonText.Of(a, "response_body")), 60),
                ]).ToList()
                : [];
            await context.Out.TableAsync(["ATTEMPT", "STARTED", "STATUS", "MS", "ERROR", "RESPONSE"], attempts, "no attempts yet");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Retry(CommandActions actions)
    {
        var id = WebhooksCommand.IdArgument("The delivery id");
        var command = new Command("retry", "Send a delivery again now (also a failed or cancelled one)") { id };
        actions.Set(command, async (context, ct) =>
        {
            using var client = context.CreateClient();
            var delivery = await client.PostAsync($"api/v1/deliveries/{WebhooksCommand.Escape(context.Value(id)!)}/retry", null, ct);
            if (context.Json)
            {
                await context.Out.JsonAsync(delivery);
            }
            else
            {
                await WriteSummaryAsync(context, delivery);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Task WriteSummaryAsync(CommandContext context, JsonElement delivery) =>
        context.Out.FieldsAsync(
        [
            ("id", JsonText.Of(delivery, "id")),
            ("status", JsonText.Of(delivery, "status")),
            ("attempts", JsonText.Of(delivery, "attempt_count")),
            ("next_attempt", JsonText.Time(delivery, "next_attempt_at")),
            ("last", LastOutcome(delivery)),
            ("webhook", JsonText.Of(delivery, "webhook_id")),
            ("event", JsonText.Of(delivery, "event_id")),
            ("object", JsonText.Of(delivery, "object_id")),
            ("created", JsonText.Time(delivery, "date_created")),
        ]);

    /// <summary>The last attempt's status code, else its error, clipped for a table.</summary>
    private static string LastOutcome(JsonElement delivery) =>
        JsonText.Of(delivery, "last_status_code") is var code && code != JsonText.None
            ? code
            : JsonText.Clip(JsonText.OneLine(JsonText.Of(delivery, "last_error")), 40);
}
