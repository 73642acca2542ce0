using System.Text;
using System.Text.Json;
using Herald.Core.Events;
using Herald.Core.Webhooks;

namespace Herald.Core.Tests.Webhooks;

/// <summary>Snapshots derived one webhook at a time (<see cref="WebhookIndex.With"/>, <see cref="WebhookIndex.Without"/>).</summary>
public sealed class WebhookIndexUpdateTests
{
    [Fact]
    public void With_NewWebhook_MatchedAndFoundWhileTheOldSnapshotIsUnchanged()
    {
        var before = Index(Hook("a", "dom-1"));

        var after = before.With(Indexed(Hook("b", "dom-1")));

        Assert.Equal(["a", "b"], MatchIds(after, "dom-1"));
        Assert.Equal(["a"], MatchIds(before, "dom-1"));
        Assert.Equal((1, 2), (before.Count, after.Count));
        Assert.Null(before.Find("b"));
    }

    [Fact]
    public void With_EditedWebhook_ReplacesItAndLeavesTheOthersIdentical()
    {
        var a = Indexed(Hook("a", "dom-1"));
        var c = Indexed(Hook("c", "dom-2"));
        var before = new WebhookIndex([a, Indexed(Hook("b", "dom-1")), c]);

        var after = before.With(Indexed(Hook("b", "dom-1") with { Realm = "proxies", Version = 2 }));

        Assert.Same(a, after.Find("a"));
        Assert.Same(c, after.Find("c"));
        Assert.Equal(2, after.Find("b")!.Webhook.Version);
        Assert.Equal(["a"], MatchIds(after, "dom-1", realm: "metadata"));
        Assert.Equal(["a", "b"], MatchIds(after, "dom-1", realm: "proxies"));
        Assert.Equal(3, after.Count);
    }

    [Fact]
    public void With_DomainMoved_LeavesTheOldDomainsBucket()
    {
        var index = Index(Hook("a", "dom-1"), Hook("b", "dom-1"));

        index = index.With(Indexed(Hook("b", "dom-2")));

        Assert.Equal(["a"], MatchIds(index, "dom-1"));
        Assert.Equal(["b"], MatchIds(index, "dom-2"));
    }

    [Fact]
    public void With_DisabledThenEnabled_LeavesMatchingAndComesBackInIdOrder()
    {
        var index = Index(Hook("a", "dom-1"), Hook("b", "dom-1"), Hook("c", "dom-1"));

        index = index.With(Indexed(Hook("b", "dom-1") with { Status = WebhookStatus.Disabled }));
        Assert.Equal(["a", "c"], MatchIds(index, "dom-1"));
        Assert.NotNull(index.Find("b"));

        index = index.With(Indexed(Hook("b", "dom-1")));
        Assert.Equal(["a", "b", "c"], MatchIds(index, "dom-1"));
    }

    [Fact]
    public void Without_Webhook_RemovedFromMatchingAndLookup()
    {
        var a = Indexed(Hook("a", "dom-1"));
        var index = new WebhookIndex([a, Indexed(Hook("b", "dom-1")), Indexed(Hook("g", null))]);

        index = index.Without("b").Without("g");

        Assert.Equal(["a"], MatchIds(index, "dom-1"));
        Assert.Null(index.Find("b"));
        Assert.Same(a, index.Find("a"));
        Assert.Equal(1, index.Count);
    }

    [Fact]
    public void Without_UnknownId_ReturnsTheSameSnapshot()
    {
        var index = Index(Hook("a", "dom-1"));

        Assert.Same(index, index.Without("missing"));
    }

    [Fact]
    public void Match_GlobalAndDomainWebhooks_EventSeesBothOthersNeither()
    {
        var index = Index(Hook("global", null), Hook("mine", "dom-1"), Hook("theirs", "dom-2"));

        Assert.Equal(["global", "mine"], MatchIds(index, "dom-1").Order(StringComparer.Ordinal));
        Assert.Equal(["global"], MatchIds(index, null));
        Assert.Equal(["global"], MatchIds(index, "dom-3"));
    }

    [Fact]
    public void CountOf_FollowsEveryChange()
    {
        var index = Index(Hook("a", null), Hook("b", null) with { Status = WebhookStatus.Paused });

        index = index.With(Indexed(Hook("a", null) with { Status = WebhookStatus.Disabled })).With(Indexed(Hook("c", null))).Without("b");

        Assert.Equal(1, index.CountOf(WebhookStatus.Enabled));
        Assert.Equal(1, index.CountOf(WebhookStatus.Disabled));
        Assert.Equal(0, index.CountOf(WebhookStatus.Paused));
        Assert.Equal(0, index.CountOf(WebhookStatus.Failing));
    }

    [Fact]
    public void ChangesThrough_DerivedSnapshots_ListsEachChangedIdInOrder()
    {
        var start = Index(Hook("a", null));

        var end = start.With(Indexed(Hook("b", null))).Without("a").With(Indexed(Hook("b", null) with { Version = 2 }));

        Assert.Equal(["b", "a", "b"], start.LastChange.ChangesThrough(end.LastChange));
        Assert.Empty(end.LastChange.ChangesThrough(end.LastChange)!);
    }

    [Fact]
    public void ChangesThrough_RebuiltOrBranchedSnapshot_IsNull()
    {
        var start = Index(Hook("a", null));
        _ = start.With(Indexed(Hook("b", null)));

        var branch = start.With(Indexed(Hook("c", null)));

        Assert.Null(start.LastChange.ChangesThrough(branch.LastChange));
        Assert.Null(start.LastChange.ChangesThrough(Index(Hook("a", null)).LastChange));
    }

    [Fact]
    public void With_ThousandsOfWebhooks_EachOneChangedStillMatchesLikeARebuild()
    {
        var random = new Random(7);
        var webhooks = Enumerable.Range(0, 2_000).Select(i => Hook($"w{i:D5}", $"dom-{i % 20}") with { Realm = i % 3 == 0 ? "proxies" : null }).ToList();
        var index = new WebhookIndex(webhooks.Select(Indexed));
        for (var round = 0; round < 500; round++)
        {
            var i = random.Next(webhooks.Count);
            var changed = webhooks[i] with
            {
                DomainId = $"dom-{random.Next(25)}",
                Status = random.Next(4) == 0 ? WebhookStatus.Disabled : WebhookStatus.Enabled,
                Version = round + 2,
            };
            webhooks[i] = changed;
            index = random.Next(10) == 0 ? index.Without(changed.Id) : index.With(Indexed(changed));
            if (index.Find(changed.Id) is null)
            {
                index = index.With(Indexed(changed));
            }
        }

        var rebuilt = new WebhookIndex(webhooks.Select(Indexed));
        for (var domain = 0; domain < 25; domain++)
        {
            Assert.Equal(MatchIds(rebuilt, $"dom-{domain}"), MatchIds(index, $"dom-{domain}"));
            Assert.Equal(MatchIds(rebuilt, $"dom-{domain}", realm: "proxies"), MatchIds(index, $"dom-{domain}", realm: "proxies"));
        }

        Assert.Equal(rebuilt.CountOf(WebhookStatus.Disabled), index.CountOf(WebhookStatus.Disabled));
    }

    private static Webhook Hook(string id, string? domainId) => new()
    {
        Id = id,
        DomainId = domainId,
        Url = "https://example.com/hook",
        EventType = "assets",
        Version = 1,
    };

    private static IndexedWebhook Indexed(Webhook webhook) => new(webhook, null);

    private static WebhookIndex Index(params Webhook[] webhooks) => new(webhooks.Select(Indexed));

    private static List<string> MatchIds(WebhookIndex index, string? domainId, string realm = "metadata")
    {
        var json = JsonSerializer.Serialize(new { system_domain_id = domainId, event_type = "assets", realm, operation = "update", object_id = "o1", data = new { } });
        using var document = JsonDocument.Parse(json);
        var matches = new List<Webhook>();
        index.Match(new PublishedEvent("assets", "update", realm, "o1", domainId, null, Encoding.UTF8.GetBytes(json)), document.RootElement, matches);
        return matches.Select(w => w.Id).ToList();
    }
}
