using Herald.Core.Deliveries;
using Herald.Delivery.Dispatching;
using Herald.Storage;
using static Herald.Delivery.Tests.Dispatching.LaneFixtures;

namespace Herald.Delivery.Tests.Dispatching;

public sealed class WebhookLaneTests
{
    // Limit 16 at the assumed 1 s per attempt: 16 x 250 ms / 1000 ms = 4, a quarter lane.
    private const int InitialTarget = 4;

    [Fact]
    public void Room_IdleLane_IsLimitPlusInitialWaitingTarget()
    {
        using var lane = new WebhookLane(16, null, Options());

        Assert.Equal(InitialTarget, lane.WaitingTarget);
        Assert.Equal(16 + InitialTarget, lane.Room(T0));
        Assert.Equal(WebhookLane.InitialRoom(16, Options()), lane.Room(T0));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(4, 1)]
    [InlineData(5, 2)]
    [InlineData(16, 4)]
    [InlineData(100, 25)]
    public void WaitingTarget_NewLane_IsAQuarterLaneAndAtLeastOne(int limit, int expected)
    {
        using var lane = new WebhookLane(limit, null, Options());

        Assert.Equal(expected, lane.WaitingTarget);
        Assert.Equal(limit + expected, WebhookLane.InitialRoom(limit, Options()));
    }

    [Fact]
    public void Room_WithWaitingDeliveries_ShrinksByWhatIsHeld()
    {
        using var lane = new WebhookLane(16, null, Options());

        Fill(lane, 3);

        Assert.Equal(16 + InitialTarget - 3, lane.Room(T0));
        Assert.Equal(3, lane.Waiting);
    }

    [Fact]
    public void Room_FullLane_IsZero()
    {
        using var lane = new WebhookLane(16, null, Options());

        Fill(lane, lane.Room(T0));

        Assert.Equal(0, lane.Room(T0));
        Assert.False(lane.WantsWork(T0));
    }

    [Fact]
    public void Room_BusyLane_AsksAgainOnlyAfterHalfItsWaitingTargetDrained()
    {
        using var lane = new WebhookLane(16, null, Options());
        Fill(lane, 16 + InitialTarget);
        StartAll(lane);

        // Half of a waiting target of 4 is 2: one finished attempt is not enough to ask again.
        FinishAndStartNext(lane);
        Assert.Equal(0, lane.Room(T0));
        Assert.False(lane.WantsWork(T0));

        FinishAndStartNext(lane);
        Assert.Equal(2, lane.Room(T0));
        Assert.True(lane.WantsWork(T0));
    }

    [Fact]
    public void Room_BusyFastLane_AsksAgainOnlyAfterHalfItsWaitingTargetDrained()
    {
        using var lane = new WebhookLane(16, null, Options());
        MeasureMany(lane, TimeSpan.FromMilliseconds(1));
        var target = lane.WaitingTarget;
        Fill(lane, 16 + target);
        StartAll(lane);

        for (var i = 0; i < (target / 2) - 1; i++)
        {
            FinishAndStartNext(lane);
        }

        Assert.Equal(0, lane.Room(T0));

        FinishAndStartNext(lane);
        Assert.Equal(target / 2, lane.Room(T0));
    }

    [Fact]
    public void Room_AllInFlightNoneWaiting_OffersTheWaitingTarget()
    {
        using var lane = new WebhookLane(16, null, Options());
        Fill(lane, 16);
        StartAll(lane);

        Assert.Equal(0, lane.Waiting);
        Assert.Equal(InitialTarget, lane.Room(T0));
    }

    [Fact]
    public void Measure_FastEndpoint_GrowsWaitingTargetToAboutLaneWaitTargetOfWork()
    {
        using var lane = new WebhookLane(16, null, Options());

        MeasureMany(lane, TimeSpan.FromMilliseconds(40));

        // 16 slots x 250 ms / 40 ms per attempt = 100 waiting.
        Assert.InRange(lane.WaitingTarget, 99, 100);
        Assert.Equal(16 + lane.WaitingTarget, lane.Room(T0));
    }

    [Fact]
    public void Measure_VeryFastEndpoint_WaitingTargetStopsAtMaxWaitingLanes()
    {
        using var lane = new WebhookLane(16, null, Options());

        MeasureMany(lane, TimeSpan.FromMilliseconds(1));

        Assert.Equal(16 * 8, lane.WaitingTarget);
        Assert.Equal(16 + (16 * 8), lane.Room(T0));
    }

    [Fact]
    public void Measure_ZeroDurations_WaitingTargetStopsAtMaxWaitingLanes()
    {
        using var lane = new WebhookLane(16, null, Options());

        MeasureMany(lane, TimeSpan.Zero);

        Assert.Equal(16 * 8, lane.WaitingTarget);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Measure_VeryFastEndpoint_UpperBoundFollowsMaxWaitingLanesOption(int maxWaitingLanes)
    {
        var options = Options();
        options.MaxWaitingLanes = maxWaitingLanes;
        using var lane = new WebhookLane(16, null, options);

        MeasureMany(lane, TimeSpan.FromMilliseconds(1));

        Assert.Equal(16 * maxWaitingLanes, lane.WaitingTarget);
    }

    [Fact]
    public void Measure_SlowEndpoint_WaitingTargetStaysAQuarterLane()
    {
        using var lane = new WebhookLane(16, null, Options());

        MeasureMany(lane, TimeSpan.FromSeconds(10));

        Assert.Equal(4, lane.WaitingTarget);
        Assert.Equal(16 + 4, lane.Room(T0));
    }

    [Fact]
    public void Measure_HangingEndpointWithLimitOne_KeepsOneWaiting()
    {
        using var lane = new WebhookLane(1, null, Options());

        MeasureMany(lane, TimeSpan.FromSeconds(60));

        Assert.Equal(1, lane.WaitingTarget);
        Assert.Equal(2, lane.Room(T0));
    }

    [Fact]
    public void Measure_FastEndpointTurnsSlow_WaitingTargetShrinksBack()
    {
        using var lane = new WebhookLane(16, null, Options());
        MeasureMany(lane, TimeSpan.FromMilliseconds(1));

        MeasureMany(lane, TimeSpan.FromSeconds(5));

        Assert.Equal(4, lane.WaitingTarget);
    }

    [Fact]
    public void Measure_OneFastAttempt_MovesTargetOnlyGradually()
    {
        using var lane = new WebhookLane(16, null, Options());

        lane.Measure(TimeSpan.FromMilliseconds(1));

        // The average moves a tenth of the way: 1000 -> ~900 ms, so 16 x 250 / 900 = 4.
        Assert.Equal(4, lane.WaitingTarget);
    }

    [Fact]
    public void Room_TargetShrankBelowWhatIsHeld_IsZeroNotNegative()
    {
        using var lane = new WebhookLane(16, null, Options());
        MeasureMany(lane, TimeSpan.FromMilliseconds(1));
        Fill(lane, lane.Room(T0));

        MeasureMany(lane, TimeSpan.FromSeconds(10));

        Assert.Equal(0, lane.Room(T0));
    }

    [Fact]
    public void TryStart_NothingWaiting_ReturnsFalse()
    {
        using var lane = new WebhookLane(16, null, Options());

        Assert.False(lane.TryStart(T0, out _));
        Assert.Equal(0, lane.InFlight);
    }

    [Fact]
    public void TryStart_WaitingDeliveries_StartsThemInFifoOrder()
    {
        using var lane = new WebhookLane(16, null, Options());
        lane.Enqueue(Claimed("d1"));
        lane.Enqueue(Claimed("d2"));
        lane.Enqueue(Claimed("d3"));

        Assert.Equal(["d1", "d2", "d3"], StartAll(lane).Select(d => d.Id));
        Assert.Equal(3, lane.InFlight);
        Assert.Equal(0, lane.Waiting);
    }

    [Fact]
    public void TryStart_AtConcurrencyLimit_ReturnsFalseUntilASlotFinishes()
    {
        using var lane = new WebhookLane(2, null, Options());
        Fill(lane, 3);

        Assert.True(lane.TryStart(T0, out var first));
        Assert.True(lane.TryStart(T0, out var second));
        Assert.False(lane.TryStart(T0, out _));
        Assert.Equal(2, lane.InFlight);
        Assert.Equal(1, lane.Waiting);

        lane.Finish(NotTheProbe, true, T0);

        Assert.True(lane.TryStart(T0, out var third));
        Assert.Equal(["d0", "d1", "d2"], new[] { first.Id, second.Id, third.Id });
        Assert.Equal(2, lane.InFlight);
    }

    [Fact]
    public void Finish_Healthy_FreesTheSlot()
    {
        using var lane = new WebhookLane(16, null, Options());
        Fill(lane, 1);
        lane.TryStart(T0, out _);

        var drained = lane.Finish(NotTheProbe, true, T0);

        Assert.Empty(drained);
        Assert.Equal(0, lane.InFlight);
    }

    [Fact]
    public void Finish_FailuresBelowThreshold_KeepCircuitClosed()
    {
        using var lane = new WebhookLane(16, null, Options());
        Fill(lane, 10);
        StartAll(lane);

        Assert.Empty(lane.Finish(NotTheProbe, false, T0));
        Assert.Empty(lane.Finish(NotTheProbe, false, T0));

        Assert.Null(lane.ReopensAt(T0));
        Assert.True(lane.Room(T0) > 0);
    }

    [Fact]
    public void Finish_ThresholdOfEndpointFailures_OpensCircuitAndReturnsWaitingDeliveries()
    {
        using var lane = new WebhookLane(4, null, Options());
        Fill(lane, 6);
        StartAll(lane);

        lane.Finish(NotTheProbe, false, T0);
        lane.Finish(NotTheProbe, false, T0);
        var drained = lane.Finish(NotTheProbe, false, T0);

        Assert.Equal(["d4", "d5"], drained.Select(d => d.Id));
        Assert.Equal(0, lane.Waiting);
        Assert.Equal(1, lane.InFlight);
        Assert.Equal(0, lane.Room(T0));
        Assert.Equal(T0 + TimeSpan.FromSeconds(30), lane.ReopensAt(T0));
    }

    [Fact]
    public void Finish_SuccessBetweenFailures_ResetsTheCount()
    {
        using var lane = new WebhookLane(16, null, Options());
        Fill(lane, 5);
        StartAll(lane);

        lane.Finish(NotTheProbe, false, T0);
        lane.Finish(NotTheProbe, false, T0);
        lane.Finish(NotTheProbe, true, T0);
        lane.Finish(NotTheProbe, false, T0);
        lane.Finish(NotTheProbe, false, T0);

        Assert.Null(lane.ReopensAt(T0));
        Assert.True(lane.Room(T0) > 0);
    }

    [Fact]
    public void Finish_RequestProblem_DoesNotFeedTheCircuit()
    {
        using var lane = new WebhookLane(16, null, Options());
        Fill(lane, 10);
        StartAll(lane);

        for (var i = 0; i < 10; i++)
        {
            Assert.Empty(lane.Finish(NotTheProbe, null, T0));
        }

        Assert.Null(lane.ReopensAt(T0));
        Assert.Equal(16 + InitialTarget, lane.Room(T0));
    }

    [Fact]
    public void Finish_RequestProblemBetweenFailures_NeitherCountsNorResets()
    {
        using var lane = new WebhookLane(16, null, Options());
        Fill(lane, 6);
        StartAll(lane);

        lane.Finish(NotTheProbe, false, T0);
        lane.Finish(NotTheProbe, false, T0);
        lane.Finish(NotTheProbe, null, T0);
        Assert.Null(lane.ReopensAt(T0));

        lane.Finish(NotTheProbe, false, T0);

        Assert.Equal(T0 + TimeSpan.FromSeconds(30), lane.ReopensAt(T0));
    }

    [Fact]
    public void Room_OpenCircuit_IsZeroUntilCircuitOpenForPasses()
    {
        using var lane = OpenLane(T0);

        Assert.Equal(0, lane.Room(T0 + TimeSpan.FromSeconds(29.999)));
        Assert.False(lane.WantsWork(T0 + TimeSpan.FromSeconds(29.999)));
        Assert.Equal(1, lane.Room(T0 + TimeSpan.FromSeconds(30)));
        Assert.Null(lane.ReopensAt(T0 + TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void TryStart_OpenCircuit_StartsNothingEvenWithWaitingDeliveries()
    {
        // A claim that raced the opening may still queue deliveries on the lane.
        using var lane = OpenLane(T0);
        Fill(lane, 2);

        Assert.False(lane.TryStart(T0 + TimeSpan.FromSeconds(10), out _));
        Assert.Equal(2, lane.Waiting);
    }

    [Fact]
    public void TryStart_HalfOpen_AllowsExactlyOneProbe()
    {
        using var lane = OpenLane(T0);
        var reopened = T0 + TimeSpan.FromSeconds(30);
        Fill(lane, lane.Room(reopened));

        Assert.True(lane.TryStart(reopened, out _));
        Assert.Equal(0, lane.Room(reopened));

        // Whatever else reaches the lane waits for the probe's verdict.
        lane.Enqueue(Claimed("late"));
        Assert.False(lane.TryStart(reopened, out _));
        Assert.Equal(1, lane.InFlight);
    }

    [Fact]
    public void Room_HalfOpenWithDeliveryWaiting_IsZero()
    {
        using var lane = OpenLane(T0);
        var reopened = T0 + TimeSpan.FromSeconds(30);

        Fill(lane, 1);

        Assert.Equal(0, lane.Room(reopened));
    }

    [Fact]
    public void Finish_SuccessfulProbe_ClosesTheCircuit()
    {
        using var lane = OpenLane(T0);
        var reopened = T0 + TimeSpan.FromSeconds(30);
        Fill(lane, 1);
        Assert.True(lane.TryStart(reopened, out var probe));

        Assert.Empty(lane.Finish(probe, true, reopened));

        Assert.Equal(16 + InitialTarget, lane.Room(reopened));
        Fill(lane, 3);
        Assert.Equal(3, StartAll(lane, reopened).Count);
    }

    [Fact]
    public void Finish_SuccessfulProbe_ResetsOpenTimeAndFailureCount()
    {
        using var lane = OpenLane(T0);
        var now = FailProbe(lane, T0 + TimeSpan.FromSeconds(30));
        now = FailProbe(lane, now);
        Fill(lane, 1);
        Assert.True(lane.TryStart(now, out var probe));
        lane.Finish(probe, true, now);

        // Below the threshold again: two failures keep it closed, the third opens it for CircuitOpenFor.
        Fill(lane, 3);
        StartAll(lane, now);
        lane.Finish(NotTheProbe, false, now);
        lane.Finish(NotTheProbe, false, now);
        Assert.Null(lane.ReopensAt(now));
        lane.Finish(NotTheProbe, false, now);

        Assert.Equal(now + TimeSpan.FromSeconds(30), lane.ReopensAt(now));
    }

    [Fact]
    public void Finish_FailedProbe_ReopensTheCircuit()
    {
        using var lane = OpenLane(T0);
        var reopened = T0 + TimeSpan.FromSeconds(30);
        Fill(lane, 1);
        Assert.True(lane.TryStart(reopened, out var probe));

        lane.Finish(probe, false, reopened);

        Assert.Equal(0, lane.Room(reopened));
        Assert.NotNull(lane.ReopensAt(reopened));
        Assert.False(lane.TryStart(reopened, out _));
    }

    [Fact]
    public void Finish_RepeatedFailedProbes_OpenTimeGrowsUpToCircuitMaxOpenFor()
    {
        using var lane = OpenLane(T0);
        var now = T0 + TimeSpan.FromSeconds(30);
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 8; i++)
        {
            var failedAt = now;
            now = FailProbe(lane, failedAt);
            waits.Add(now - failedAt);
        }

        Assert.All(waits, w => Assert.InRange(w, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(100)));
        Assert.Equal(waits.Order(), waits);
        Assert.True(waits[^1] > TimeSpan.FromSeconds(30));
        Assert.Equal(TimeSpan.FromSeconds(100), waits[^1]);
        Assert.Equal(TimeSpan.FromSeconds(100), waits[^2]);
    }

    [Fact]
    public void Finish_FailedProbes_EachDoublesTheOpenTimeUpToTheMaximum()
    {
        using var lane = OpenLane(T0);
        var now = T0 + TimeSpan.FromSeconds(30);

        var first = FailProbe(lane, now);
        var second = FailProbe(lane, first);
        var third = FailProbe(lane, second);

        Assert.Equal(now + TimeSpan.FromSeconds(60), first);
        Assert.Equal(first + TimeSpan.FromSeconds(100), second);
        Assert.Equal(second + TimeSpan.FromSeconds(100), third);
    }

    [Fact]
    public void Finish_AnOlderAttemptEndsWhileTheProbeIsOut_TheProbeStillDecides()
    {
        var options = Options();
        using var lane = new WebhookLane(16, null, options);
        Fill(lane, options.CircuitFailureThreshold + 1);
        var started = StartAll(lane, T0);
        for (var i = 0; i < options.CircuitFailureThreshold; i++)
        {
            lane.Finish(started[i], false, T0);
        }

        var reopened = T0 + TimeSpan.FromSeconds(30);
        lane.Enqueue(Claimed("probe"));
        Assert.True(lane.TryStart(reopened, out var probe));

        // The attempt started before the circuit opened fails now: not the probe's verdict.
        lane.Finish(started[^1], false, reopened);
        lane.Enqueue(Claimed("second"));
        Assert.False(lane.TryStart(reopened + TimeSpan.FromSeconds(30), out _));

        lane.Finish(probe, true, reopened);

        Assert.True(lane.TryStart(reopened, out _));
    }

    [Fact]
    public void Finish_RequestProblemFromProbe_LeavesTheCircuitHalfOpen()
    {
        using var lane = OpenLane(T0);
        var reopened = T0 + TimeSpan.FromSeconds(30);
        Fill(lane, 1);
        Assert.True(lane.TryStart(reopened, out var probe));

        lane.Finish(probe, null, reopened);

        Assert.Null(lane.ReopensAt(reopened));
        Assert.Equal(1, lane.Room(reopened));
    }

    [Fact]
    public void ReopensAt_ClosedLane_IsNull()
    {
        using var lane = new WebhookLane(16, null, Options());

        Assert.Null(lane.ReopensAt(T0));
    }

    [Fact]
    public void Drain_WaitingDeliveries_ReturnsThemInOrderAndEmptiesTheLane()
    {
        using var lane = new WebhookLane(1, null, Options());
        Fill(lane, 3);
        lane.TryStart(T0, out _);

        var drained = lane.Drain();

        Assert.Equal(["d1", "d2"], drained.Select(d => d.Id));
        Assert.Equal(0, lane.Waiting);
        Assert.Equal(1, lane.InFlight);
    }

    [Fact]
    public void Room_RateLimitedIdleLane_IsTheAvailablePermits()
    {
        // 5/s: a bucket of 5 tokens, full at the start.
        using var lane = new WebhookLane(16, 5, Options());

        Assert.True(lane.IsRateLimited);
        Assert.Equal(5, lane.Room(T0));
    }

    [Fact]
    public void Room_RateLimitedLane_CountsWaitingAgainstThePermits()
    {
        using var lane = new WebhookLane(16, 5, Options());

        Fill(lane, 3);
        Assert.Equal(2, lane.Room(T0));

        Fill(lane, 2, from: 3);
        Assert.Equal(0, lane.Room(T0));
    }

    [Fact]
    public void Room_RateLimitedLaneAboveItsConcurrency_IsTheConcurrencyLimit()
    {
        using var lane = new WebhookLane(3, 100, Options());

        Assert.Equal(3, lane.Room(T0));

        Fill(lane, 3);
        Assert.Equal(0, lane.Room(T0));
    }

    [Fact]
    public void Room_RateLimitedLane_IgnoresTheWaitingTarget()
    {
        using var lane = new WebhookLane(16, 5, Options());

        MeasureMany(lane, TimeSpan.FromMilliseconds(1));

        Assert.Equal(5, lane.Room(T0));
    }

    [Fact]
    public void Room_RateLimitedLane_NeverHoldsMoreThanItMayStart()
    {
        using var lane = new WebhookLane(16, 5, Options());

        Fill(lane, lane.Room(T0));

        // Everything the lane took may start at once: the bucket had a token for each.
        Assert.Equal(5, StartAll(lane).Count);
        Assert.Equal(0, lane.Waiting);
    }

    [Fact]
    public void TryStart_RateLimitedBucketEmpty_ReturnsFalse()
    {
        // 0.01/s: one token, refilled every 100 s, so nothing refills during the test.
        using var lane = new WebhookLane(4, 0.01, Options());
        Assert.Equal(1, lane.Room(T0));
        Fill(lane, 2);

        Assert.True(lane.TryStart(T0, out var first));
        Assert.False(lane.TryStart(T0, out _));

        Assert.Equal("d0", first.Id);
        Assert.Equal(1, lane.Waiting);
        Assert.Equal(0, lane.Room(T0));
    }

    [Fact]
    public void Room_RateLimitedOpenCircuit_IsZero()
    {
        var options = Options();
        using var lane = new WebhookLane(16, 100, options);
        Fill(lane, 3);
        StartAll(lane);
        for (var i = 0; i < options.CircuitFailureThreshold; i++)
        {
            lane.Finish(NotTheProbe, false, T0);
        }

        Assert.Equal(0, lane.Room(T0));
        Assert.Equal(1, lane.Room(T0 + TimeSpan.FromSeconds(30)));
    }

    private static void Fill(WebhookLane lane, int count, int from = 0)
    {
        for (var i = from; i < from + count; i++)
        {
            lane.Enqueue(Claimed("d" + i));
        }
    }

    private static List<ClaimedDelivery> StartAll(WebhookLane lane) => StartAll(lane, T0);

    private static List<ClaimedDelivery> StartAll(WebhookLane lane, DateTimeOffset now)
    {
        var started = new List<ClaimedDelivery>();
        while (lane.TryStart(now, out var delivery))
        {
            started.Add(delivery);
        }

        return started;
    }

    private static void FinishAndStartNext(WebhookLane lane)
    {
        lane.Finish(NotTheProbe, true, T0);
        Assert.True(lane.TryStart(T0, out _));
    }

    private static void MeasureMany(WebhookLane lane, TimeSpan attempt)
    {
        for (var i = 0; i < 200; i++)
        {
            lane.Measure(attempt);
        }
    }

    /// <summary>A lane of limit 16 whose circuit opened at <paramref name="at"/>, with nothing in flight or waiting.</summary>
    private static WebhookLane OpenLane(DateTimeOffset at)
    {
        var options = Options();
        var lane = new WebhookLane(16, null, options);
        Fill(lane, options.CircuitFailureThreshold);
        StartAll(lane, at);
        for (var i = 0; i < options.CircuitFailureThreshold; i++)
        {
            lane.Finish(NotTheProbe, false, at);
        }

        return lane;
    }

    /// <summary>Runs one failing probe at <paramref name="now"/> (the lane must be half-open); returns when it reopens.</summary>
    private static DateTimeOffset FailProbe(WebhookLane lane, DateTimeOffset now)
    {
        Assert.Equal(1, lane.Room(now));
        lane.Enqueue(Claimed("probe"));
        Assert.True(lane.TryStart(now, out var probe));
        lane.Finish(probe, false, now);
        return lane.ReopensAt(now)!.Value;
    }
}
