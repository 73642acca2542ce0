using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Herald.Core.Events;
using Herald.Core.Webhooks;
using Herald.Query;

namespace Herald.Benchmarks;

/// <summary>
/// Matching one event against 10,000 webhooks (10 event types, mixed operations and realms,
/// 1,000 of them with a query), as the publish path does for every event.
/// </summary>
[MemoryDiagnoser]
public class MatchingBenchmarks
{
    private static readonly string[] EventTypes = ["assets", "collections", "segments", "jobs", "users", "groups", "storages", "formats", "shares", "metadata"];
    private static readonly string[] Realms = ["entity", "metadata", "proxies", "formats", "files", "keyframes"];
    private static readonly string?[] OperationsUsed = [null, "create", "update", "delete", "all"];
    private static readonly string[] Queries =
    [
        "data.status=\"ACTIVE\"",
        "data.components.metadata.duration>10000",
        "data.status=\"ACTIVE\" AND (data.components.metadata.format=\"AVC\" OR data.components.metadata.format=\"MPEG-4\")",
        "data.deleted_by_user=null",
        "operation=\"update\" AND data.is_online=true",
    ];

    private readonly List<Webhook> _matches = new(256);
    private WebhookIndex _index = WebhookIndex.Empty;
    private JsonDocument _document = null!;
    private PublishedEvent _event = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var webhooks = new List<IndexedWebhook>(10_000);
        for (var i = 0; i < 10_000; i++)
        {
            var query = i % 10 == 0 ? Queries[i / 10 % Queries.Length] : null;
            var webhook = new Webhook
            {
                Id = $"wh-{i}",
                Url = "https://example.com/hook",
                EventType = EventTypes[random.Next(EventTypes.Length)],
                Operation = OperationsUsed[random.Next(OperationsUsed.Length)],
                Realm = random.Next(3) == 0 ? null : Realms[random.Next(Realms.Length)],
                Query = query,
            };
            webhooks.Add(new IndexedWebhook(webhook, query is null ? null : new Filter(QueryCompiler.Compile(query))));
        }

        _index = new WebhookIndex(webhooks);
        var body = SeedEvent();
        _document = JsonDocument.Parse(body);
        _event = new PublishedEvent("assets", "update", "formats", "918728e2-bc1c-11ed-aaef-66cff3148306", null, null, body);
    }

    [GlobalCleanup]
    public void Cleanup() => _document.Dispose();

    [Benchmark]
    public int MatchOneEvent()
    {
        _matches.Clear();
        _index.Match(_event, _document.RootElement, _matches);
        return _matches.Count;
    }

    private static byte[] SeedEvent()
    {
        using var stream = typeof(MatchingBenchmarks).Assembly.GetManifestResourceStream("formats.json")!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Encoding.UTF8.GetBytes(reader.ReadToEnd());
    }

    private sealed class Filter(CompiledQuery query) : IEventFilter
    {
        public bool Matches(JsonElement envelope) => query.Matches(envelope);
    }
}
