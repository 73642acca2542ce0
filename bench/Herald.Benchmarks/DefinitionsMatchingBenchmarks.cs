using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Herald.Core.Events;
using Herald.Core.Webhooks;
using Herald.Query;

namespace Herald.Benchmarks;

/// <summary>
/// Matching one event against 100,000 webhooks over 1,000 domains, shaped as the load test's
/// <c>definitions</c> scenario defines them (5 event types, mixed operations and realms, 1 in 10
/// with a query), in the index built one webhook at a time as the registry builds it from change
/// notices. Each call matches the next of 1,000 events, one per domain, so every bucket is visited.
/// </summary>
[MemoryDiagnoser]
public class DefinitionsMatchingBenchmarks
{
    private static readonly string[] EventTypes = ["assets", "collections", "segments", "jobs", "metadata"];
    private static readonly string[] Realms = ["entity", "metadata", "proxies", "formats", "files"];
    private static readonly string?[] OperationsUsed = [null, "create", "update", "delete"];

    private readonly List<Webhook> _matches = new(256);
    private WebhookIndex _index = WebhookIndex.Empty;
    private (PublishedEvent Published, JsonDocument Document)[] _events = [];
    private int _next;

    [Params(100_000)]
    public int Webhooks { get; set; }

    [Params(1_000)]
    public int Domains { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var index = WebhookIndex.Empty;
        for (var i = 0; i < Webhooks; i++)
        {
            var query = i % 10 == 0 ? "data.status=\"CLOSED\" AND data.size>1000" : null;
            var webhook = new Webhook
            {
                Id = Guid.CreateVersion7().ToString(),
                DomainId = Domain(i % Domains),
                Url = $"http://127.0.0.1:9/hooks/{i}",
                EventType = EventTypes[(i / Domains) % EventTypes.Length],
                Operation = OperationsUsed[i % OperationsUsed.Length],
                Realm = i % 3 != 0 ? Realms[(i / 3) % Realms.Length] : null,
                Query = query,
            };
            index = index.With(new IndexedWebhook(webhook, query is null ? null : new Filter(QueryCompiler.Compile(query))));
        }

        _index = index;
        _events = Enumerable.Range(0, Domains).Select(d =>
        {
            var json = JsonSerializer.Serialize(new
            {
                system_domain_id = Domain(d),
                event_type = "assets",
                realm = "proxies",
                operation = "update",
                object_id = "918728e2-bc1c-11ed-aaef-66cff3148306",
                data = new { status = "CLOSED", size = 5000 },
            });
            var published = new PublishedEvent("assets", "update", "proxies", "918728e2-bc1c-11ed-aaef-66cff3148306", Domain(d), null, Encoding.UTF8.GetBytes(json));
            return (published, JsonDocument.Parse(json));
        }).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var (_, document) in _events)
        {
            document.Dispose();
        }
    }

    [Benchmark]
    public int MatchOneEvent()
    {
        var (published, document) = _events[_next++ % _events.Length];
        _matches.Clear();
        _index.Match(published, document.RootElement, _matches);
        return _matches.Count;
    }

    private static string Domain(int index) => $"00000000-0000-4000-8000-{index:D12}";

    private sealed class Filter(CompiledQuery query) : IEventFilter
    {
        public bool Matches(JsonElement envelope) => query.Matches(envelope);
    }
}
