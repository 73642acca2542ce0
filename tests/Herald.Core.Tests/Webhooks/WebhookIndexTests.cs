using System.Text;
using System.Text.Json;
using Herald.Core.Events;
using Herald.Core.Webhooks;

namespace Herald.Core.Tests.Webhooks;

public sealed class WebhookIndexTests
{
    [Fact]
    public void Match_EventType_OnlyThatBucketMatches()
    {
        var index = Index(Hook("assets"), Hook("collections"), Hook("assets", id: "assets-2"));

        Assert.Equal(["assets", "assets-2"], MatchIds(index, Event("assets")).Order(StringComparer.Ordinal));
        Assert.Equal(["collections"], MatchIds(index, Event("collections")));
    }

    [Fact]
    public void Match_UnknownEventType_MatchesNothing()
    {
        var index = Index(Hook("assets"));

        Assert.Empty(MatchIds(index, Event("jobs")));
    }

    [Fact]
    public void Match_EventTypeComparison_IsCaseSensitive()
    {
        var index = Index(Hook("assets"));

        Assert.Empty(MatchIds(index, Event("Assets")));
    }

    [Theory]
    [InlineData(null, "update", true)]
    [InlineData("all", "update", true)]
    [InlineData("all", "delete", true)]
    [InlineData("update", "update", true)]
    [InlineData("update", "delete", false)]
    [InlineData("create", "update", false)]
    public void Match_Operation_NullAndAllMatchAnySpecificMatchesItself(string? hookOperation, string eventOperation, bool expected)
    {
        var index = Index(Hook("assets") with { Operation = hookOperation });

        Assert.Equal(expected, MatchIds(index, Event("assets", operation: eventOperation)).Count == 1);
    }

    [Theory]
    [InlineData(null, "metadata", true)]
    [InlineData(null, null, true)]
    [InlineData("metadata", "metadata", true)]
    [InlineData("metadata", "proxies", false)]
    [InlineData("metadata", null, false)]
    public void Match_Realm_NullMatchesAnySpecificMatchesItself(string? hookRealm, string? eventRealm, bool expected)
    {
        var index = Index(Hook("assets") with { Realm = hookRealm });

        Assert.Equal(expected, MatchIds(index, Event("assets", realm: eventRealm)).Count == 1);
    }

    [Theory]
    [InlineData(null, "obj-1", true)]
    [InlineData(null, null, true)]
    [InlineData("obj-1", "obj-1", true)]
    [InlineData("obj-1", "obj-2", false)]
    [InlineData("obj-1", null, false)]
    public void Match_ObjectId_NullMatchesAnySpecificMatchesItself(string? hookObject, string? eventObject, bool expected)
    {
        var index = Index(Hook("assets") with { ObjectId = hookObject });

        Assert.Equal(expected, MatchIds(index, Event("assets", objectId: eventObject)).Count == 1);
    }

    [Theory]
    [InlineData("dom-a")]
    [InlineData("dom-b")]
    [InlineData(null)]
    public void Match_WebhookWithoutDomain_MatchesEveryDomain(string? eventDomain)
    {
        var index = Index(Hook("assets") with { DomainId = null });

        Assert.Single(MatchIds(index, Event("assets", domainId: eventDomain)));
    }

    [Theory]
    [InlineData("dom-a", true)]
    [InlineData("dom-b", false)]
    [InlineData(null, false)]
    public void Match_WebhookWithDomain_MatchesOnlyThatDomain(string? eventDomain, bool expected)
    {
        var index = Index(Hook("assets") with { DomainId = "dom-a" });

        Assert.Equal(expected, MatchIds(index, Event("assets", domainId: eventDomain)).Count == 1);
    }

    [Fact]
    public void Match_TwoTenants_EachEventReachesItsOwnAndGlobalWebhooks()
    {
        var index = Index(
            Hook("assets", id: "a") with { DomainId = "dom-a" },
            Hook("assets", id: "b") with { DomainId = "dom-b" },
            Hook("assets", id: "global"));

        Assert.Equal(["a", "global"], MatchIds(index, Event("assets", domainId: "dom-a")).Order(StringComparer.Ordinal));
        Assert.Equal(["b", "global"], MatchIds(index, Event("assets", domainId: "dom-b")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Match_DisabledWebhook_MatchesNothing()
    {
        var index = Index(Hook("assets") with { Status = WebhookStatus.Disabled });

        Assert.Empty(MatchIds(index, Event("assets")));
    }

    [Theory]
    [InlineData(WebhookStatus.Enabled)]
    [InlineData(WebhookStatus.Failing)]
    [InlineData(WebhookStatus.Paused)]
    public void Match_NonDisabledWebhook_StillMatches(WebhookStatus status)
    {
        var index = Index(Hook("assets") with { Status = status });

        Assert.Single(MatchIds(index, Event("assets")));
    }

    [Fact]
    public void Find_DisabledWebhook_IsStillIndexedById()
    {
        var disabled = Hook("assets") with { Status = WebhookStatus.Disabled };
        var index = Index(disabled, Hook("collections"));

        Assert.Equal(2, index.Count);
        Assert.Same(disabled, index.Find("assets")!.Webhook);
        Assert.Null(index.Find("missing"));
    }

    [Fact]
    public void Match_FilterRejects_WebhookNotMatched()
    {
        var index = new WebhookIndex([new IndexedWebhook(Hook("assets"), new FixedFilter(false))]);

        Assert.Empty(MatchIds(index, Event("assets")));
    }

    [Fact]
    public void Match_FilterAccepts_WebhookMatchedAndFilterSeesTheEnvelope()
    {
        var filter = new FixedFilter(true);
        var index = new WebhookIndex([new IndexedWebhook(Hook("assets"), filter)]);

        Assert.Single(MatchIds(index, Event("assets", objectId: "obj-9")));
        Assert.Equal("obj-9", filter.LastEnvelope!.Value.GetProperty("object_id").GetString());
    }

    [Fact]
    public void Match_RoutingFieldsReject_FilterNotConsulted()
    {
        var filter = new FixedFilter(true);
        var index = new WebhookIndex([new IndexedWebhook(Hook("assets") with { Realm = "proxies" }, filter)]);

        Assert.Empty(MatchIds(index, Event("assets", realm: "metadata")));
        Assert.Null(filter.LastEnvelope);
    }

    [Fact]
    public void Match_ExistingMatches_AreAppendedTo()
    {
        var index = Index(Hook("assets"));
        var matches = new List<Webhook> { Hook("earlier") };
        var (published, json) = Event("assets");
        using var document = JsonDocument.Parse(json);

        index.Match(published, document.RootElement, matches);

        Assert.Equal(["earlier", "assets"], matches.Select(w => w.Id));
    }

    [Fact]
    public void Empty_MatchesNothing()
    {
        Assert.Equal(0, WebhookIndex.Empty.Count);
        Assert.Empty(MatchIds(WebhookIndex.Empty, Event("assets")));
    }

    [Fact]
    public void ActiveSecrets_ExpiredSecret_IsLeftOut()
    {
        var now = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var webhook = Hook("assets") with
        {
            Secrets =
            [
                new WebhookSecretEntry("new", null),
                new WebhookSecretEntry("grace", now.AddMinutes(1)),
                new WebhookSecretEntry("expired", now),
            ],
        };

        Assert.Equal(["new", "grace"], webhook.ActiveSecrets(now));
    }

    [Theory]
    [InlineData(WebhookStatus.Enabled, "ENABLED", true, true)]
    [InlineData(WebhookStatus.Failing, "FAILING", true, true)]
    [InlineData(WebhookStatus.Paused, "PAUSED", false, true)]
    [InlineData(WebhookStatus.Disabled, "DISABLED", false, false)]
    public void WebhookStatusNames_EachStatus_WireNameSendsAndMatches(WebhookStatus status, string wire, bool sends, bool matches)
    {
        Assert.Equal(wire, status.ToWire());
        Assert.True(WebhookStatusNames.TryParse(wire, out var parsed));
        Assert.Equal(status, parsed);
        Assert.Equal(sends, status.Sends());
        Assert.Equal(matches, status.Matches());
    }

    private static Webhook Hook(string eventType, string? id = null) => new()
    {
        Id = id ?? eventType,
        Url = "https://example.com/hook",
        EventType = eventType,
    };

    private static WebhookIndex Index(params Webhook[] webhooks) =>
        new(webhooks.Select(w => new IndexedWebhook(w, null)));

    private static (PublishedEvent Published, string Json) Event(
        string eventType, string operation = "update", string? realm = "metadata", string? objectId = "obj-1", string? domainId = null)
    {
        var json = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["system_domain_id"] = domainId,
            ["event_type"] = eventType,
            ["realm"] = realm,
            ["operation"] = operation,
            ["object_id"] = objectId,
            ["data"] = new Dictionary<string, object?>(),
        });
        var published = new PublishedEvent(eventType, operation, realm, objectId, domainId, null, Encoding.UTF8.GetBytes(json));
        return (published, json);
    }

    private static List<string> MatchIds(WebhookIndex index, (PublishedEvent Published, string Json) @event)
    {
        using var document = JsonDocument.Parse(@event.Json);
        var matches = new List<Webhook>();
        index.Match(@event.Published, document.RootElement, matches);
        return matches.Select(w => w.Id).ToList();
    }

    private sealed class FixedFilter(bool result) : IEventFilter
    {
        public JsonElement? LastEnvelope { get; private set; }

        public bool Matches(JsonElement envelope)
        {
            LastEnvelope = envelope.Clone();
            return result;
        }
    }
}
