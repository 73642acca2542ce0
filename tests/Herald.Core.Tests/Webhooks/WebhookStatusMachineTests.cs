using Herald.Core.Webhooks;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Core.Tests.Webhooks;

public sealed class WebhookStatusMachineTests
{
    private static readonly AttemptVerdict Success = new(true, 200, null);
    private static readonly AttemptVerdict ServerError = new(false, 500, "HTTP 500");
    private static readonly AttemptVerdict Gone = new(false, 410, "HTTP 410");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private static WebhookHealth Enabled => new(WebhookStatus.Enabled, null, null);

    [Fact]
    public void DefaultDisableAfter_IsFiveHours()
    {
        Assert.Equal(TimeSpan.FromHours(5), WebhookStatusMachine.DefaultDisableAfter);
    }

    [Fact]
    public void Apply_EnabledFails_BecomesFailingWithFirstFailedAtAndLastError()
    {
        var now = _time.GetUtcNow();

        var next = Apply(Enabled, ServerError);

        Assert.Equal(new WebhookHealth(WebhookStatus.Failing, now, "HTTP 500"), next);
    }

    [Fact]
    public void Apply_EnabledWithStaleFirstFailedAt_StartsTheClockAfresh()
    {
        var stale = new WebhookHealth(WebhookStatus.Enabled, _time.GetUtcNow() - TimeSpan.FromDays(2), "old");

        var next = Apply(stale, ServerError);

        Assert.Equal(new WebhookHealth(WebhookStatus.Failing, _time.GetUtcNow(), "HTTP 500"), next);
    }

    [Fact]
    public void Apply_EnabledConnectionError_BecomesFailing()
    {
        var next = Apply(Enabled, new AttemptVerdict(false, 0, "connection refused"));

        Assert.Equal(WebhookStatus.Failing, next.Status);
        Assert.Equal("connection refused", next.LastError);
    }

    [Fact]
    public void Apply_EnabledSucceeds_Unchanged()
    {
        Assert.Equal(Enabled, Apply(Enabled, Success));
    }

    [Fact]
    public void Apply_FailingSucceeds_BecomesEnabledAndForgetsFirstFailure()
    {
        var failing = Apply(Enabled, ServerError);
        _time.Advance(TimeSpan.FromMinutes(30));

        var next = Apply(failing, Success);

        Assert.Equal(WebhookStatus.Enabled, next.Status);
        Assert.Null(next.FirstFailedAt);
    }

    [Fact]
    public void Apply_FailingFailsAgain_KeepsFirstFailedAtAndUpdatesLastError()
    {
        var first = _time.GetUtcNow();
        var failing = Apply(Enabled, ServerError);
        _time.Advance(TimeSpan.FromHours(1));

        var next = Apply(failing, new AttemptVerdict(false, 502, "HTTP 502"));

        Assert.Equal(new WebhookHealth(WebhookStatus.Failing, first, "HTTP 502"), next);
    }

    [Fact]
    public void Apply_FailingJustBeforeDisableAfter_StaysFailing()
    {
        var health = Apply(Enabled, ServerError);
        _time.Advance(TimeSpan.FromHours(5) - TimeSpan.FromMilliseconds(1));

        Assert.Equal(WebhookStatus.Failing, Apply(health, ServerError).Status);
    }

    [Fact]
    public void Apply_FailingAtExactlyDisableAfter_BecomesDisabled()
    {
        var first = _time.GetUtcNow();
        var health = Apply(Enabled, ServerError);
        _time.Advance(TimeSpan.FromHours(5));

        var next = Apply(health, ServerError);

        Assert.Equal(WebhookStatus.Disabled, next.Status);
        Assert.Equal(first, next.FirstFailedAt);
    }

    [Fact]
    public void Apply_RetriesAcrossFiveHours_DisablesOnlyAtFiveHoursFromFirstFailure()
    {
        var first = _time.GetUtcNow();
        var health = Apply(Enabled, ServerError);
        var statuses = new List<WebhookStatus> { health.Status };

        // The default schedule's gaps: 5 s, 5 min, 30 min, 2 h, then 5 h would overshoot — step hourly instead.
        foreach (var gap in new[] { TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(2), TimeSpan.FromHours(1) })
        {
            _time.Advance(gap);
            health = Apply(health, ServerError);
            statuses.Add(health.Status);
        }

        Assert.Equal(
            [WebhookStatus.Failing, WebhookStatus.Failing, WebhookStatus.Failing, WebhookStatus.Failing, WebhookStatus.Failing, WebhookStatus.Failing, WebhookStatus.Disabled],
            statuses);
        Assert.Equal(first, health.FirstFailedAt);
    }

    [Fact]
    public void Apply_SuccessInBetween_RestartsTheDisableClock()
    {
        var health = Apply(Enabled, ServerError);
        _time.Advance(TimeSpan.FromHours(4));
        health = Apply(health, Success);
        _time.Advance(TimeSpan.FromMinutes(30));
        var restarted = _time.GetUtcNow();
        health = Apply(health, ServerError);
        _time.Advance(TimeSpan.FromHours(4));

        health = Apply(health, ServerError);

        // 8.5 h since the very first failure, but only 4 h since the failures resumed.
        Assert.Equal(WebhookStatus.Failing, health.Status);
        Assert.Equal(restarted, health.FirstFailedAt);

        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(WebhookStatus.Disabled, Apply(health, ServerError).Status);
    }

    [Fact]
    public void Apply_CustomDisableAfter_IsRespected()
    {
        var health = WebhookStatusMachine.Apply(Enabled, ServerError, _time.GetUtcNow(), TimeSpan.FromMinutes(10));
        _time.Advance(TimeSpan.FromMinutes(10));

        var next = WebhookStatusMachine.Apply(health, ServerError, _time.GetUtcNow(), TimeSpan.FromMinutes(10));

        Assert.Equal(WebhookStatus.Disabled, next.Status);
    }

    [Fact]
    public void Apply_EnabledGets410_DisabledAtOnce()
    {
        var now = _time.GetUtcNow();

        var next = Apply(Enabled, Gone);

        Assert.Equal(new WebhookHealth(WebhookStatus.Disabled, now, "HTTP 410"), next);
    }

    [Fact]
    public void Apply_FailingGets410_DisabledAtOnceKeepingFirstFailure()
    {
        var first = _time.GetUtcNow();
        var health = Apply(Enabled, ServerError);
        _time.Advance(TimeSpan.FromMinutes(1));

        var next = Apply(health, Gone);

        Assert.Equal(WebhookStatus.Disabled, next.Status);
        Assert.Equal(first, next.FirstFailedAt);
    }

    [Theory]
    [InlineData(WebhookStatus.Paused)]
    [InlineData(WebhookStatus.Disabled)]
    public void Apply_ManualStatusFails_StatusAndFirstFailureUnchanged(WebhookStatus status)
    {
        var current = new WebhookHealth(status, null, null);

        var afterFailure = Apply(current, ServerError);
        var afterGone = Apply(current, Gone);

        Assert.Equal(status, afterFailure.Status);
        Assert.Null(afterFailure.FirstFailedAt);
        Assert.Equal(status, afterGone.Status);
    }

    [Theory]
    [InlineData(WebhookStatus.Paused)]
    [InlineData(WebhookStatus.Disabled)]
    public void Apply_ManualStatusSucceeds_Unchanged(WebhookStatus status)
    {
        var current = new WebhookHealth(status, _time.GetUtcNow().AddHours(-9), "old");
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(current, Apply(current, Success));
    }

    [Fact]
    public void Apply_PausedFailingLongerThanDisableAfter_StaysPaused()
    {
        var current = new WebhookHealth(WebhookStatus.Paused, _time.GetUtcNow(), "old");
        _time.Advance(TimeSpan.FromHours(10));

        Assert.Equal(WebhookStatus.Paused, Apply(current, ServerError).Status);
    }

    private WebhookHealth Apply(WebhookHealth current, AttemptVerdict verdict) =>
        WebhookStatusMachine.Apply(current, verdict, _time.GetUtcNow(), WebhookStatusMachine.DefaultDisableAfter);
}
