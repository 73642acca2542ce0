using System.CommandLine;
using System.Text;
using System.Text.Json;
using Herald.Cli.Output;

namespace Herald.Cli.Commands;

/// <summary><c>herald webhooks list|create|show|update|delete|rotate-secret</c>.</summary>
internal static class WebhooksCommand
{
    public static Command Create(CommandActions actions)
    {
        var command = new Command("webhooks", "Manage webhook definitions");
        command.Add(List(actions));
        command.Add(CreateWebhook(actions));
        command.Add(Show(actions));
        command.Add(Update(actions));
        command.Add(Delete(actions));
        command.Add(RotateSecret(actions));
        return command;
    }

    private static Command List(CommandActions actions)
    {
        var paging = new PagingOptions();
        var command = new Command("list", "List webhooks");
        paging.AddTo(command);
        actions.Set(command, async (context, ct) =>
        {
            using var client = context.CreateClient();
            var page = await paging.FetchAsync(context, client, "api/v1/webhooks", [], ct);
            if (context.Json)
            {
                await context.Out.JsonAsync(page);
                return ExitCodes.Success;
            }

            var rows = page.GetProperty("objects").EnumerateArray().Select(w => (IReadOnlyList<string>)
            [
                JsonText.Of(w, "id"),
                JsonText.Of(w, "name"),
                JsonText.Of(w, "status"),
                EventPattern(w),
                JsonText.Of(w, "url"),
                JsonText.Clip(JsonText.OneLine(JsonText.Of(w, "query")), 48),
            ]).ToList();
            await context.Out.TableAsync(["ID", "NAME", "STATUS", "EVENTS", "URL", "QUERY"], rows, "no webhooks");
            await paging.WriteNextHintAsync(context, page);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateWebhook(CommandActions actions)
    {
        var fields = new WebhookFields();
        var secret = new Option<string?>("--secret") { Description = "Use this signing secret (whsec_ + base64 of 24+ bytes) instead of a generated one" };
        var command = new Command("create", "Create a webhook; its signing secret is printed once")
        {
            secret,
        };
        fields.AddTo(command);
        actions.Set(command, async (context, ct) =>
        {
            var body = await fields.BuildAsync(context, ct);
            if (context.Value(secret) is { } given)
            {
                body["secret"] = given;
            }

            if (body["url"] is null && body["hostname"] is null)
            {
                throw CliException.Usage("a target is required: --target <url> (or url in --definition)");
            }

            if (body["event_type"] is null)
            {
                throw CliException.Usage("an event type is required: --event-type <type> (e.g. assets)");
            }

            using var client = context.CreateClient();
            var webhook = await client.PostAsync("api/v1/webhooks", body.ToJsonString(), ct);
            await WriteWebhookAsync(context, webhook);
            if (!context.Json)
            {
                await context.Out.LineAsync();
                await context.Out.LineAsync("Keep the secret: Herald shows it only now (rotate-secret issues a new one).");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Show(CommandActions actions)
    {
        var id = IdArgument();
        var command = new Command("show", "Show one webhook") { id };
        actions.Set(command, async (context, ct) =>
        {
            using var client = context.CreateClient();
            await WriteWebhookAsync(context, await client.GetAsync($"api/v1/webhooks/{Escape(context.Value(id)!)}", ct));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Update(CommandActions actions)
    {
        var id = IdArgument();
        var fields = new WebhookFields();
        var command = new Command("update", "Change the given fields of a webhook (PATCH); others stay as they are") { id };
        fields.AddTo(command);
        actions.Set(command, async (context, ct) =>
        {
            var body = await fields.BuildAsync(context, ct);
            if (body.Count == 0)
            {
                throw CliException.Usage("nothing to update: give at least one field flag, e.g. --status PAUSED");
            }

            using var client = context.CreateClient();
            var webhook = await client.SendAsync(
                HttpMethod.Patch, $"api/v1/webhooks/{Escape(context.Value(id)!)}", Encoding.UTF8.GetBytes(body.ToJsonString()), null, ct);
            await WriteWebhookAsync(context, webhook);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Delete(CommandActions actions)
    {
        var id = IdArgument();
        var command = new Command("delete", "Delete a webhook; its pending deliveries are not sent") { id };
        actions.Set(command, async (context, ct) =>
        {
            using var client = context.CreateClient();
            var webhookId = context.Value(id)!;
            await client.SendAsync(HttpMethod.Delete, $"api/v1/webhooks/{Escape(webhookId)}", null, null, ct);
            if (context.Json)
            {
                await context.Out.LineAsync(JsonSerializer.Serialize(new Dictionary<string, object> { ["id"] = webhookId, ["deleted"] = true }));
            }
            else
            {
                await context.Out.LineAsync($"deleted webhook {webhookId}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command RotateSecret(CommandActions actions)
    {
        var id = IdArgument();
        var grace = new Option<int?>("--grace-seconds")
        {
            Description = "How long the old secret keeps signing beside the new one (default 86400, at most 2592000)",
            HelpName = "seconds",
        };
        var command = new Command("rotate-secret", "Issue a new signing secret; the old one stays valid for the grace period") { id, grace };
        actions.Set(command, async (context, ct) =>
        {
            using var client = context.CreateClient();
            var body = context.Value(grace) is { } seconds ? JsonSerializer.Serialize(new Dictionary<string, int> { ["grace_seconds"] = seconds }) : null;
            var webhook = await client.PostAsync($"api/v1/webhooks/{Escape(context.Value(id)!)}/secret/rotate", body, ct);
            if (context.Json)
            {
                await context.Out.JsonAsync(webhook);
            }
            else
            {
                await context.Out.FieldsAsync([("id", JsonText.Of(webhook, "id")), ("secret", JsonText.Of(webhook, "secret"))]);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task WriteWebhookAsync(CommandContext context, JsonElement webhook)
    {
        if (context.Json)
        {
            await context.Out.JsonAsync(webhook);
            return;
        }

        var fields = new List<(string, string)>
        {
            ("id", JsonText.Of(webhook, "id")),
            ("name", JsonText.Of(webhook, "name")),
            ("status", JsonText.Of(webhook, "status")),
            ("url", JsonText.Of(webhook, "url")),
            ("events", EventPattern(webhook)),
            ("object_id", JsonText.Of(webhook, "object_id")),
            ("domain_id", JsonText.Of(webhook, "domain_id")),
            ("query", JsonText.Of(webhook, "query")),
            ("headers", JsonText.Of(webhook, "headers")),
            ("retry_schedule", JsonText.Of(webhook, "retry_schedule")),
            ("timeout_seconds", JsonText.Of(webhook, "timeout_seconds")),
            ("description", JsonText.Of(webhook, "description")),
            ("created", JsonText.Time(webhook, "date_created")),
            ("modified", JsonText.Time(webhook, "date_modified")),
        };
        if (JsonText.Of(webhook, "first_failed_at") != JsonText.None)
        {
            fields.Add(("failing_since", JsonText.Time(webhook, "first_failed_at")));
            fields.Add(("last_error", JsonText.Of(webhook, "last_error")));
        }

        if (JsonText.Of(webhook, "secret") is var secret && secret != JsonText.None)
        {
            fields.Add(("secret", secret));
        }

        await context.Out.FieldsAsync(fields);
    }

    /// <summary><c>assets.proxies.update</c>, with <c>*</c> for any realm or operation.</summary>
    internal static string EventPattern(JsonElement webhook)
    {
        static string Part(JsonElement w, string name) => JsonText.Of(w, name) is var text && text != JsonText.None && text != "all" ? text : "*";
        return $"{Part(webhook, "event_type")}.{Part(webhook, "realm")}.{Part(webhook, "operation")}";
    }

    internal static Argument<string> IdArgument(string description = "The webhook id") => new("id") { Description = description };

    internal static string Escape(string id) => Uri.EscapeDataString(id);
}
