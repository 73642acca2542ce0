using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Herald.Cli.Commands;

/// <summary>
/// The webhook definition flags shared by <c>webhooks create</c> and <c>webhooks update</c>. Only flags that were
/// given end up in the body, so <c>update</c> sends a PATCH that changes just those fields.
/// </summary>
internal sealed class WebhookFields
{
    public Option<string?> Target { get; } = new("--target", "-t") { Description = "The URL Herald POSTs to (the webhook's url)", HelpName = "url" };

    public Option<string?> EventType { get; } = new("--event-type", "-e") { Description = "Event type to match, e.g. assets", HelpName = "type" };

    public Option<string?> Realm { get; } = new("--realm", "-r") { Description = "Realm to match, e.g. entity, proxies, metadata (default: any)" };

    public Option<string?> Operation { get; } = new("--operation", "-o") { Description = "create, update, delete, purge, restore, download or all (default: all)" };

    public Option<string?> ObjectId { get; } = new("--object-id") { Description = "Only events for this object id", HelpName = "id" };

    public Option<string?> Name { get; } = new("--name", "-n") { Description = "A name for people" };

    public Option<string?> Description { get; } = new("--description") { Description = "Free text" };

    public Option<string?> Query { get; } = new("--query", "-q") { Description = "Query-language filter, e.g. 'data.status=\"CLOSED\"'; \"\" clears it" };

    public Option<string?> Status { get; } = new("--status") { Description = "ENABLED, DISABLED or PAUSED" };

    public Option<string[]> Headers { get; } = new("--header", "-H") { Description = "Extra request header NAME=VALUE (repeatable)", HelpName = "name=value" };

    public Option<string?> RetrySchedule { get; } = new("--retry-schedule") { Description = "Delays in seconds between attempts, e.g. 5,300,1800; \"\" restores the default", HelpName = "seconds" };

    public Option<int?> TimeoutSeconds { get; } = new("--timeout-seconds") { Description = "Per-attempt timeout, 1 to 60 (default 30)", HelpName = "seconds" };

    public Option<string?> DomainId { get; } = new("--domain-id") { Description = "The tenant (system_domain_id); admin key only", HelpName = "id" };

    public Option<string?> Definition { get; } = new("--definition", "-d")
    {
        Description = $"A webhook JSON object to start from ({JsonInput.Help}); flags override its fields",
        HelpName = "json",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Target, EventType, Realm, Operation, ObjectId, Name, Description, Query, Status, Headers, RetrySchedule, TimeoutSeconds, DomainId, Definition })
        {
            command.Add(option);
        }
    }

    /// <summary>The request body: the definition (if any) with every given flag laid over it.</summary>
    public async Task<JsonObject> BuildAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var body = new JsonObject();
        if (context.Value(Definition) is { } source)
        {
            var definition = JsonNode.Parse(await JsonInput.ReadAsync(source, context.Console, "the webhook definition", cancellationToken));
            body = definition as JsonObject ?? throw CliException.Usage("the webhook definition must be a JSON object");
        }

        Set(body, "url", context.Value(Target));
        Set(body, "event_type", context.Value(EventType));
        Set(body, "realm", context.Value(Realm));
        Set(body, "operation", context.Value(Operation));
        Set(body, "object_id", context.Value(ObjectId));
        Set(body, "name", context.Value(Name));
        Set(body, "description", context.Value(Description));
        Set(body, "query", context.Value(Query));
        Set(body, "status", context.Value(Status)?.ToUpperInvariant());
        Set(body, "domain_id", context.Value(DomainId));
        if (context.Value(TimeoutSeconds) is { } timeout)
        {
            body["timeout_seconds"] = timeout;
        }

        if (context.Value(RetrySchedule) is { } schedule)
        {
            body["retry_schedule"] = ParseSchedule(schedule);
        }

        if (context.Value(Headers) is { Length: > 0 } headers)
        {
            if (body["headers"] is not JsonObject map)
            {
                map = [];
                body["headers"] = map;
            }

            foreach (var header in headers)
            {
                var equals = header.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    throw CliException.Usage($"--header takes NAME=VALUE, not '{header}'");
                }

                map[header[..equals].Trim()] = header[(equals + 1)..];
            }
        }

        return body;
    }

    private static void Set(JsonObject body, string name, string? value)
    {
        if (value is not null)
        {
            body[name] = value;
        }
    }

    private static JsonNode? ParseSchedule(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var delays = new JsonArray();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                throw CliException.Usage($"--retry-schedule takes whole seconds separated by commas, not '{text}'");
            }

            delays.Add(seconds);
        }

        return delays;
    }
}
