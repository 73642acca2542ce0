using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Delivery.Dispatching;
using Herald.Storage;
using static Herald.Delivery.Tests.Dispatching.LaneFixtures;

namespace Herald.Delivery.Tests.Dispatching;

public sealed class WebhookLanesTests
{
    [Fact]
    public void DefaultRoom_IsANewDefaultLanesRoom()
    {
        var lanes = new WebhookLanes(Options());

        // 16 slots and a quarter lane waiting.
        Assert.Equal(20, lanes.DefaultRoom);
        Assert.Equal(WebhookLane.InitialRoom(16, Options()), lanes.DefaultRoom);
    }

    [Fact]
    public void Plan_DefaultWebhooksWithoutWork_ListsNothingAndCreatesNoLanes()
    {
        var lanes = new WebhookLanes(Options());

        var (capacity, reopens) = lanes.Plan(Index(Hook("a"), Hook("b")), T0);

        Assert.Empty(capacity);
        Assert.Null(reopens);
        Assert.Empty(lanes.All);
    }

    [Fact]
    public void Plan_IdleDefaultLane_IsLeftOutOfTheCapacityMap()
    {
        var lanes = new WebhookLanes(Options());
        var index = Index(Hook("a"));
        var lane = lanes.For(Hook("a"));
        lane.Enqueue(Claimed("d1", "a"));
        Assert.True(lane.TryStart(T0, out _));
        lane.Finish(NotTheProbe, true, T0);

        var (capacity, _) = lanes.Plan(index, T0);

        Assert.Empty(capacity);
        Assert.Single(lanes.All);
    }

    [Fact]
    public void Plan_IdleLaneThatLearnedAFastEndpoint_LeavesTheActiveSetAndRejoinsWhenWorkIsQueued()
    {
        var lanes = new WebhookLanes(Options());
        var index = Index(Hook("a"));
        var lane = lanes.For(Hook("a"));
        lane.Enqueue(Claimed("d1", "a"));
        Assert.True(lane.TryStart(T0, out var sent));
        for (var i = 0; i < 50; i++)
        {
            lane.Measure(TimeSpan.FromMilliseconds(1));
        }

        // Busy and fast: listed with its own (larger) room.
        Assert.True(lanes.Plan(index, T0).Capacity["a"] > lanes.DefaultRoom);
        lane.Finish(sent, true, T0);

        // Idle: a round no longer looks at it, and a claim gives it a new lane's room.
        var (capacity, _) = lanes.Plan(index, T0);
        Assert.Empty(capacity);
        Assert.Empty(lanes.Active);
        Assert.Same(lane, Assert.Single(lanes.All));

        lane.Enqueue(Claimed("d2", "a"));

        Assert.Same(lane, Assert.Single(lanes.Active));
        Assert.True(lanes.Plan(index, T0).Capacity["a"] > lanes.DefaultRoom);
    }

    [Fact]
    public void Plan_IdleLaneWithAnOpenCircuit_StaysActiveAndListedUntilItReopens()
    {
        var lanes = new WebhookLanes(Options());
        var index = Index(Hook("a"));
        var lane = lanes.For(Hook("a"));
        for (var i = 0; i < Options().CircuitFailureThreshold; i++)
        {
            lane.Enqueue(Claimed($"d{i}", "a"));
            Assert.True(lane.TryStart(T0, out var sent));
            lane.Finish(sent, false, T0);
        }

        var (capacity, reopens) = lanes.Plan(index, T0);

        Assert.Equal(0, capacity["a"]);
        Assert.Equal(T0 + Options().CircuitOpenFor, reopens);
        Assert.Same(lane, Assert.Single(lanes.Active));
    }

    [Fact]
    public void Plan_DropsTheIdleLaneOfAWebhookItsIndexDoesNotHold_AndThatLaneTakesNoMoreWork()
    {
        // A round with an index older than the webhook (or after its deletion) forgets its lane;
        // a feed holding that lane must not queue on it, where no round would ever look.
        var lanes = new WebhookLanes(Options());
        var stale = lanes.For(Hook("a"));
        stale.Enqueue(Claimed("d1", "a"));
        Assert.True(stale.TryStart(T0, out var sent));
        stale.Finish(sent, true, T0);

        lanes.Plan(Index(Hook("b")), T0);

        Assert.Empty(lanes.All);
        Assert.False(stale.Enqueue(Claimed("d2", "a")));
        var current = lanes.For(Hook("a"));
        Assert.NotSame(stale, current);
        Assert.True(current.Enqueue(Claimed("d2", "a")));
        Assert.Same(current, Assert.Single(lanes.Active));
    }

    [Fact]
    public void Plan_PartlyBusyDefaultLane_ListsItsRoom()
    {
        var lanes = new WebhookLanes(Options());
        var lane = lanes.For(Hook("a"));
        Fill(lane, "a", 3);

        var (capacity, _) = lanes.Plan(Index(Hook("a")), T0);

        Assert.Equal(17, capacity["a"]);
    }

    [Fact]
    public void Plan_FullLane_IsListedWithZero()
    {
        var lanes = new WebhookLanes(Options());
        var lane = lanes.For(Hook("a"));
        Fill(lane, "a", lanes.DefaultRoom);

        var (capacity, reopens) = lanes.Plan(Index(Hook("a"), Hook("b")), T0);

        Assert.Equal(0, capacity["a"]);
        Assert.False(capacity.ContainsKey("b"));
        Assert.Null(reopens);
    }

    [Fact]
    public void Plan_WebhookWithOwnConcurrency_ListsItsRoomBeforeItHasWork()
    {
        var lanes = new WebhookLanes(Options());

        var (capacity, _) = lanes.Plan(Index(Hook("a") with { MaxConcurrency = 4 }, Hook("b")), T0);

        // 4 slots and one waiting (a quarter of 4).
        Assert.Equal(5, capacity["a"]);
        Assert.False(capacity.ContainsKey("b"));
    }

    [Fact]
    public void Plan_RateLimitedWebhook_ListsItsPermitsBeforeItHasWork()
    {
        var lanes = new WebhookLanes(Options());

        var (capacity, _) = lanes.Plan(Index(Hook("a") with { RateLimit = 5 }), T0);

        Assert.Equal(5, capacity["a"]);
    }

    [Fact]
    public void Plan_FullRateLimitedLane_ReopensWithinAFewPermitRefills()
    {
        var lanes = new WebhookLanes(Options());
        var webhook = Hook("a") with { RateLimit = 5 };
        var index = Index(webhook);
        lanes.Plan(index, T0);
        Fill(lanes.For(webhook), "a", 5);

        var (capacity, reopens) = lanes.Plan(index, T0);

        Assert.Equal(0, capacity["a"]);
        Assert.Equal(T0 + TimeSpan.FromMilliseconds(100), reopens);
    }

    [Fact]
    public void Plan_OpenCircuit_ListsZeroAndReportsWhenItReopens()
    {
        var lanes = new WebhookLanes(Options());
        var index = Index(Hook("a"));
        Open(lanes.For(Hook("a")), "a", T0);

        var (capacity, reopens) = lanes.Plan(index, T0 + TimeSpan.FromSeconds(1));

        Assert.Equal(0, capacity["a"]);
        Assert.Equal(T0 + TimeSpan.FromSeconds(30), reopens);
    }

    [Fact]
    public void Plan_SeveralOpenCircuits_ReportsTheEarliestReopening()
    {
        var lanes = new WebhookLanes(Options());
        var index = Index(Hook("a"), Hook("b"), Hook("c"));
        Open(lanes.For(Hook("a")), "a", T0 + TimeSpan.FromSeconds(20));
        Open(lanes.For(Hook("b")), "b", T0 + TimeSpan.FromSeconds(5));
        Open(lanes.For(Hook("c")), "c", T0 + TimeSpan.FromSeconds(10));

        var (capacity, reopens) = lanes.Plan(index, T0 + TimeSpan.FromSeconds(21));

        Assert.Equal([0, 0, 0], new[] { capacity["a"], capacity["b"], capacity["c"] });
        Assert.Equal(T0 + TimeSpan.FromSeconds(35), reopens);
    }

    [Fact]
    public void Plan_HalfOpenCircuit_ListsOneProbe()
    {
        var lanes = new WebhookLanes(Options());
        var index = Index(Hook("a"));
        Open(lanes.For(Hook("a")), "a", T0);

        var (capacity, reopens) = lanes.Plan(index, T0 + TimeSpan.FromSeconds(30));

        Assert.Equal(1, capacity["a"]);
        Assert.Null(reopens);
    }

    [Fact]
    public void For_SameLimits_ReturnsTheSameLane()
    {
        var lanes = new WebhookLanes(Options());

        var first = lanes.For(Hook("a") with { MaxConcurrency = 4, RateLimit = 10 });
        var second = lanes.For(Hook("a") with { MaxConcurrency = 4, RateLimit = 10, Url = "https://example.com/other" });

        Assert.Same(first, second);
    }

    [Fact]
    public void For_NoOwnConcurrency_UsesPerWebhookConcurrency()
    {
        var lanes = new WebhookLanes(Options());

        var lane = lanes.For(Hook("a"));

        Assert.Equal(16, lane.Limit);
        Assert.Null(lane.RatePerSecond);
    }

    [Fact]
    public void For_LoweredMaxConcurrency_SameLaneKeepsItsWorkAndStartsNoMoreUntilBelowTheNewLimit()
    {
        var lanes = new WebhookLanes(Options());
        var lane = lanes.For(Hook("a"));
        Fill(lane, "a", 18);
        StartAll(lane);

        var again = lanes.For(Hook("a") with { MaxConcurrency = 2 });

        Assert.Same(lane, again);
        Assert.Equal(2, lane.Limit);
        Assert.Equal(16, lane.InFlight);
        Assert.Equal(2, lane.Waiting);
        Assert.Empty(StartAll(lane));
        Assert.Same(lane, Assert.Single(lanes.All));
    }

    [Fact]
    public void For_ChangedRateLimit_SameLaneIsRateLimitedAndKeepsItsWaitingDeliveries()
    {
        var lanes = new WebhookLanes(Options());
        var lane = lanes.For(Hook("a"));
        Fill(lane, "a", 3);

        var again = lanes.For(Hook("a") with { RateLimit = 50 });

        Assert.Same(lane, again);
        Assert.Equal(50, lane.RatePerSecond);
        Assert.True(lane.IsRateLimited);
        Assert.Equal(3, lane.Waiting);
    }

    [Fact]
    public void Plan_ChangedMaxConcurrency_LaneTakesTheNewLimitWithItsWorkInFlight()
    {
        var lanes = new WebhookLanes(Options());
        lanes.Plan(Index(Hook("a")), T0);
        var lane = lanes.For(Hook("a"));
        Fill(lane, "a", 5);
        Assert.True(lane.TryStart(T0, out _));

        var (capacity, _) = lanes.Plan(Index(Hook("a") with { MaxConcurrency = 2 }), T0);

        Assert.Same(lane, Assert.Single(lanes.All));
        Assert.Equal(2, lane.Limit);
        Assert.Equal(4, lane.Waiting);
        Assert.Equal(1, lane.InFlight);
        Assert.Equal(["d1"], StartAll(lane).Select(d => d.Id));

        // 2 slots + a waiting target of 1, with 5 held: full.
        Assert.Equal(0, capacity["a"]);
    }

    [Fact]
    public void LeaveOutBusy_LanesHoldingWork_GetZeroAndIdleOnesStayAsPlanned()
    {
        var lanes = new WebhookLanes(Options());
        var busy = lanes.For(Hook("busy"));
        Fill(busy, "busy", 2);
        lanes.For(Hook("idle"));
        var plan = lanes.Plan(Index(Hook("busy"), Hook("idle")), T0);

        plan.LeaveOutBusy();

        Assert.Equal(0, plan.Capacity["busy"]);
        Assert.False(plan.Capacity.ContainsKey("idle"));
        Assert.Equal(2, plan.Waiting);
    }

    [Fact]
    public void Plan_UnchangedDefinitions_KeepsTheLane()
    {
        var lanes = new WebhookLanes(Options());
        lanes.Plan(Index(Hook("a") with { MaxConcurrency = 4 }), T0);
        var lane = Assert.Single(lanes.All);

        lanes.Plan(Index(Hook("a") with { MaxConcurrency = 4, Name = "renamed" }), T0);

        Assert.Same(lane, Assert.Single(lanes.All));
    }

    [Fact]
    public void Plan_DeletedWebhookIdleLane_IsDropped()
    {
        var lanes = new WebhookLanes(Options());
        lanes.Plan(Index(Hook("a") with { MaxConcurrency = 4 }, Hook("b") with { MaxConcurrency = 4 }), T0);
        Assert.Equal(2, lanes.All.Count());

        var (capacity, _) = lanes.Plan(Index(Hook("b") with { MaxConcurrency = 4 }), T0);

        Assert.Equal(["b"], capacity.Keys);
        Assert.Single(lanes.All);
    }

    [Fact]
    public void Plan_LaneMadeWithANewerIndexForAWebhookSinceDeleted_IsDroppedOnceIdle()
    {
        // The ingest hand-off reads its own index: it can make a lane for a webhook whose deletion
        // the round's index already holds (and whose deletion the plan has seen).
        var lanes = new WebhookLanes(Options());
        var index = Index(Hook("a"));
        lanes.Plan(index, T0);
        var late = lanes.For(Hook("b") with { MaxConcurrency = 4 });
        Fill(late, "b", 1);

        lanes.Plan(index, T0);
        Assert.Same(late, Assert.Single(lanes.All));

        Assert.True(late.TryStart(T0, out var sent));
        late.Finish(sent, true, T0);
        var (capacity, _) = lanes.Plan(index, T0);

        Assert.Empty(lanes.All);
        Assert.Empty(lanes.Active);
        Assert.Empty(capacity);
        Assert.False(late.Enqueue(Claimed("d2", "b")));
    }

    [Fact]
    public void Plan_LaneMadeForAWebhookTheIndexHolds_IsKept()
    {
        var lanes = new WebhookLanes(Options());
        var index = Index(Hook("a") with { MaxConcurrency = 4 });
        lanes.Plan(index, T0);
        var lane = lanes.For(Hook("a") with { MaxConcurrency = 4 });

        lanes.Plan(index, T0);
        lanes.Plan(index, T0);

        Assert.Same(lane, Assert.Single(lanes.All));
        Assert.Same(lane, Assert.Single(lanes.Active));
    }

    [Fact]
    public void Plan_DeletedWebhookLaneWithWorkInFlight_IsKept()
    {
        var lanes = new WebhookLanes(Options());
        var lane = lanes.For(Hook("a"));
        Fill(lane, "a", 1);
        Assert.True(lane.TryStart(T0, out _));

        lanes.Plan(Index(Hook("b")), T0);

        Assert.Same(lane, Assert.Single(lanes.All));
    }

    [Fact]
    public void Plan_DeletedWebhookLaneWithWaitingWork_IsKept()
    {
        var lanes = new WebhookLanes(Options());
        var lane = lanes.For(Hook("a"));
        Fill(lane, "a", 1);

        lanes.Plan(Index(Hook("b")), T0);

        Assert.Same(lane, Assert.Single(lanes.All));
    }

    [Fact]
    public void Plan_DeletedWebhookLaneFinishedItsWork_IsDroppedAtTheNextPlan()
    {
        var lanes = new WebhookLanes(Options());
        var lane = lanes.For(Hook("a"));
        Fill(lane, "a", 1);
        Assert.True(lane.TryStart(T0, out _));
        var index = Index(Hook("b"));
        lanes.Plan(index, T0);
        Assert.Same(lane, Assert.Single(lanes.All));
        lane.Finish(NotTheProbe, true, T0);

        lanes.Plan(index, T0);

        Assert.Empty(lanes.All);
    }

    [Fact]
    public void Plan_IndexChangedOneWebhookAtATime_VisitsOnlyTheChangedWebhooks()
    {
        var lanes = new WebhookLanes(Options());
        var index = Index(Hook("a") with { MaxConcurrency = 4 }, Hook("b"));
        Assert.True(lanes.Plan(index, T0).Capacity.ContainsKey("a"));

        // Put a's lane out of step with its definition (default limits): only a walk over every
        // webhook would set it back to 4 and list its room again.
        lanes.For(Hook("a"));
        var derived = index.With(new IndexedWebhook(Hook("b") with { MaxConcurrency = 2 }, null)).With(new IndexedWebhook(Hook("c") with { RateLimit = 5 }, null));
        var (capacity, _) = lanes.Plan(derived, T0);

        Assert.False(capacity.ContainsKey("a"));
        Assert.Equal(WebhookLane.InitialRoom(2, Options()), capacity["b"]);
        Assert.True(capacity.ContainsKey("c"));
        Assert.Equal(3, lanes.All.Count());
    }

    [Fact]
    public void Plan_IndexNotDerivedFromThePlannedOne_LooksAtEveryWebhook()
    {
        var lanes = new WebhookLanes(Options());
        var start = Index(Hook("a"), Hook("b"));
        Assert.True(lanes.Plan(start.With(new IndexedWebhook(Hook("b") with { MaxConcurrency = 2 }, null)), T0).Capacity.ContainsKey("b"));

        // A second snapshot derived from the same start knows nothing of b's limit.
        var (capacity, _) = lanes.Plan(start.With(new IndexedWebhook(Hook("c") with { MaxConcurrency = 3 }, null)), T0);

        Assert.Equal(["c"], capacity.Keys);
        Assert.Equal(WebhookLane.InitialRoom(3, Options()), capacity["c"]);
    }

    private static Webhook Hook(string id) => new()
    {
        Id = id,
        Url = "https://example.com/hook",
        EventType = "assets",
    };

    private static WebhookIndex Index(params Webhook[] webhooks) =>
        new(webhooks.Select(w => new IndexedWebhook(w, null)));

    private static void Fill(WebhookLane lane, string webhookId, int count)
    {
        for (var i = 0; i < count; i++)
        {
            lane.Enqueue(Claimed("d" + i, webhookId));
        }
    }

    private static List<ClaimedDelivery> StartAll(WebhookLane lane)
    {
        var started = new List<ClaimedDelivery>();
        while (lane.TryStart(T0, out var delivery))
        {
            started.Add(delivery);
        }

        return started;
    }

    /// <summary>Opens <paramref name="lane"/>'s circuit at <paramref name="at"/> (threshold 3 failures).</summary>
    private static void Open(WebhookLane lane, string webhookId, DateTimeOffset at)
    {
        Fill(lane, webhookId, 3);
        while (lane.TryStart(at, out _))
        {
        }

        for (var i = 0; i < 3; i++)
        {
            lane.Finish(NotTheProbe, false, at);
        }
    }
}
