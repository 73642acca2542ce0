using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using static Herald.Storage.Tests.Sqlite.SqliteTestDatabase;

namespace Herald.Storage.Tests.Sqlite;

public sealed class SqliteDeliveryCompleteTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan DisableAfter = TimeSpan.FromHours(5);

    private readonly SqliteTestDatabase _db = new();

    public async Task InitializeAsync()
    {
        await _db.InsertWebhookAsync("w1");
        await _db.PublishAsync("e1", T0, webhookIds: "w1");
    }

    public Task DisposeAsync() => _db.DisposeAsync().AsTask();

    [Fact]
    public async Task CompleteAsync_Success_DeliverySucceededAndNotClaimedAgain()
    {
        await ClaimAsync(T0);

        var changes = await CompleteAsync(T0, Succeeded("e1-w1", 1, T0));

        Assert.Empty(changes);
        var view = await GetAsync("e1-w1");
        Assert.Equal((DeliveryStatus.Succeeded, 1, (int?)200, (DateTimeOffset?)null), (view.Status, view.AttemptCount, view.LastStatusCode, view.NextAttemptAt));
        Assert.Empty(await ClaimAsync(T0.AddDays(1)));
        Assert.Null(await _db.NextDueAfterAsync(DateTimeOffset.MinValue));
    }

    [Fact]
    public async Task CompleteAsync_FailureWithNextAttempt_PendingAndDueThen()
    {
        await ClaimAsync(T0);
        var next = T0.AddSeconds(5);

        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, next));

        var view = await GetAsync("e1-w1");
        Assert.Equal((DeliveryStatus.Pending, 1, (int?)500, "HTTP 500"), (view.Status, view.AttemptCount, view.LastStatusCode, view.LastError));
        Assert.Equal(next, view.NextAttemptAt);
        Assert.Empty(await ClaimAsync(next.AddMilliseconds(-1)));
        var again = Assert.Single(await ClaimAsync(next));
        Assert.Equal(1, again.AttemptCount);
    }

    [Fact]
    public async Task CompleteAsync_FailureWithNextAttempt_LeaseIsReleased()
    {
        await ClaimAsync(T0);

        // Due at once: only a leftover lease could stop the next claim.
        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0));

        Assert.Single(await ClaimAsync(T0));
    }

    [Fact]
    public async Task CompleteAsync_LastAttemptFails_DeliveryFailed()
    {
        await ClaimAsync(T0);

        await CompleteAsync(T0, Failed("e1-w1", 8, T0, 503, next: null));

        var view = await GetAsync("e1-w1");
        Assert.Equal(DeliveryStatus.Failed, view.Status);
        Assert.Equal(8, view.AttemptCount);
        Assert.Null(view.NextAttemptAt);
        Assert.Empty(await ClaimAsync(T0.AddDays(30)));
    }

    [Fact]
    public async Task CompleteAsync_SeveralAttempts_GetAsyncShowsThemInOrderWithResponseBodies()
    {
        var t1 = T0;
        var t2 = T0.AddSeconds(5);
        var t3 = T0.AddMinutes(6);
        await ClaimAsync(t1);
        await CompleteAsync(t1, Failed("e1-w1", 1, t1, null, t2, error: "connection refused", body: null, duration: 12.5));
        await ClaimAsync(t2);
        await CompleteAsync(t2, Failed("e1-w1", 2, t2, 503, t3, body: "{\"busy\":true}"));
        await ClaimAsync(t3);
        await CompleteAsync(t3, Succeeded("e1-w1", 3, t3, body: "thanks ✓"));

        var view = await GetAsync("e1-w1");

        Assert.Equal(3, view.AttemptCount);
        Assert.Equal(
            [
                new AttemptView(1, t1, null, 12.5, "connection refused", null),
                new AttemptView(2, t2, 503, 40, "HTTP 503", "{\"busy\":true}"),
                new AttemptView(3, t3, 200, 40, null, "thanks ✓"),
            ],
            view.Attempts!);
    }

    [Fact]
    public async Task CompleteAsync_LargeResponseBody_KeptAsGiven()
    {
        var body = new string('x', 4096);
        await ClaimAsync(T0);

        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5), body: body));

        Assert.Equal(body, Assert.Single((await GetAsync("e1-w1")).Attempts!).ResponseBody);
    }

    [Fact]
    public async Task ListAsync_Deliveries_DoNotCarryAttempts()
    {
        await ClaimAsync(T0);
        await CompleteAsync(T0, Succeeded("e1-w1", 1, T0));

        var page = await _db.Deliveries.ListAsync(new DeliveryFilter(null, null, null, null, new PageRequest(10, null)), CancellationToken.None);

        Assert.Null(Assert.Single(page.Objects).Attempts);
    }

    [Fact]
    public async Task CompleteAsync_EnabledWebhookFails_BecomesFailingAndReportsTheChange()
    {
        await ClaimAsync(T0);

        var changes = await CompleteAsync(T0.AddSeconds(1), Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)));

        Assert.Equal([new WebhookStatusChange("w1", WebhookStatus.Enabled, WebhookStatus.Failing, "e1-w1")], changes);
        var webhook = await _db.Webhooks.GetAsync("w1", CancellationToken.None);
        Assert.Equal((WebhookStatus.Failing, T0.AddSeconds(1), "HTTP 500"), (webhook!.Status, webhook.FirstFailedAt!.Value, webhook.LastError));
        Assert.Single(await ClaimAsync(T0.AddSeconds(5)));
    }

    [Fact]
    public async Task CompleteAsync_FailingWebhookFailsAgain_NoChangeReportedButLastErrorUpdated()
    {
        await ClaimAsync(T0);
        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)));
        await ClaimAsync(T0.AddSeconds(5));

        var changes = await CompleteAsync(T0.AddSeconds(5), Failed("e1-w1", 2, T0.AddSeconds(5), 502, T0.AddMinutes(5)));

        Assert.Empty(changes);
        var webhook = await _db.Webhooks.GetAsync("w1", CancellationToken.None);
        Assert.Equal((WebhookStatus.Failing, T0, "HTTP 502"), (webhook!.Status, webhook.FirstFailedAt!.Value, webhook.LastError));
    }

    [Fact]
    public async Task CompleteAsync_FailingWebhookSucceeds_BackToEnabled()
    {
        await ClaimAsync(T0);
        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)));
        await ClaimAsync(T0.AddSeconds(5));

        var changes = await CompleteAsync(T0.AddSeconds(5), Succeeded("e1-w1", 2, T0.AddSeconds(5)));

        Assert.Equal([new WebhookStatusChange("w1", WebhookStatus.Failing, WebhookStatus.Enabled, "e1-w1")], changes);
        var webhook = await _db.Webhooks.GetAsync("w1", CancellationToken.None);
        Assert.Equal(WebhookStatus.Enabled, webhook!.Status);
        Assert.Null(webhook.FirstFailedAt);
    }

    [Fact]
    public async Task CompleteAsync_FailingForDisableAfter_DisablesAndHoldsPendingDeliveries()
    {
        await _db.PublishAsync("e2", T0, webhookIds: "w1");
        await ClaimAsync(T0);
        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)), Failed("e2-w1", 1, T0, 500, T0.AddHours(1)));
        var later = T0 + DisableAfter;
        Assert.Equal(2, (await ClaimAsync(later)).Count);

        var changes = await CompleteAsync(later, Failed("e1-w1", 2, later, 500, later.AddHours(2)));

        Assert.Equal([new WebhookStatusChange("w1", WebhookStatus.Failing, WebhookStatus.Disabled, "e1-w1")], changes);
        Assert.Equal(WebhookStatus.Disabled, (await _db.Webhooks.GetAsync("w1", CancellationToken.None))!.Status);
        Assert.Equal(2, _db.Count("SELECT COUNT(*) FROM deliveries WHERE status = 0 AND held = 1"));
    }

    [Fact]
    public async Task CompleteAsync_Gone410_DisablesAtOnceAndHoldsOtherPendingDeliveries()
    {
        await _db.PublishAsync("e2", T0, webhookIds: "w1");
        await _db.PublishAsync("e3", T0.AddMinutes(1), webhookIds: "w1");
        var claimed = await ClaimAsync(T0, max: 1);

        var changes = await CompleteAsync(T0, Failed(claimed[0].Id, 1, T0, 410, next: null));

        Assert.Equal([new WebhookStatusChange("w1", WebhookStatus.Enabled, WebhookStatus.Disabled, claimed[0].Id)], changes);
        var webhook = await _db.Webhooks.GetAsync("w1", CancellationToken.None);
        Assert.Equal((WebhookStatus.Disabled, "HTTP 410"), (webhook!.Status, webhook.LastError));
        Assert.Empty(await ClaimAsync(T0.AddDays(1)));
        Assert.Null(await _db.NextDueAfterAsync(DateTimeOffset.MinValue));
        Assert.Equal(2, _db.Count("SELECT COUNT(*) FROM deliveries WHERE status = 0 AND held = 1"));
    }

    [Fact]
    public async Task CompleteAsync_PausedWebhookAttemptFails_StaysPaused()
    {
        await ClaimAsync(T0);
        await _db.Webhooks.UpdateAsync("w1", w => w with { Status = WebhookStatus.Paused }, CancellationToken.None);

        var changes = await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)));

        Assert.Empty(changes);
        var webhook = await _db.Webhooks.GetAsync("w1", CancellationToken.None);
        Assert.Equal(WebhookStatus.Paused, webhook!.Status);
        Assert.Null(webhook.FirstFailedAt);
        Assert.Empty(await ClaimAsync(T0.AddMinutes(1)));
    }

    [Fact]
    public async Task CompleteAsync_CancelledDelivery_StaysCancelled()
    {
        await ClaimAsync(T0);
        await _db.Webhooks.DeleteAsync("w1", T0, CancellationToken.None);

        await CompleteAsync(T0, Succeeded("e1-w1", 1, T0));

        Assert.Equal(DeliveryStatus.Cancelled, (await GetAsync("e1-w1")).Status);
    }

    [Fact]
    public async Task RetryAsync_FailedDelivery_PendingAndDueNow()
    {
        await ClaimAsync(T0);
        await CompleteAsync(T0, Failed("e1-w1", 8, T0, 500, next: null));
        var now = T0.AddDays(2);

        var view = await _db.Deliveries.RetryAsync("e1-w1", null, now, CancellationToken.None);

        Assert.NotNull(view);
        Assert.Equal((DeliveryStatus.Pending, now), (view.Status, view.NextAttemptAt!.Value));
        Assert.Equal(now, await _db.NextDueAfterAsync(DateTimeOffset.MinValue));
        Assert.Equal("e1-w1", Assert.Single(await ClaimAsync(now)).Id);
    }

    [Fact]
    public async Task RetryAsync_SucceededDelivery_SentAgain()
    {
        await ClaimAsync(T0);
        await CompleteAsync(T0, Succeeded("e1-w1", 1, T0));

        Assert.NotNull(await _db.Deliveries.RetryAsync("e1-w1", null, T0.AddMinutes(1), CancellationToken.None));

        Assert.Single(await ClaimAsync(T0.AddMinutes(1)));
    }

    [Fact]
    public async Task RetryAsync_PendingFutureDelivery_BroughtForward()
    {
        await ClaimAsync(T0);
        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddHours(2)));

        await _db.Deliveries.RetryAsync("e1-w1", null, T0.AddMinutes(1), CancellationToken.None);

        Assert.Single(await ClaimAsync(T0.AddMinutes(1)));
    }

    [Fact]
    public async Task RetryAsync_LeasedDelivery_NotFound()
    {
        await ClaimAsync(T0);

        Assert.Null(await _db.Deliveries.RetryAsync("e1-w1", null, T0, CancellationToken.None));
    }

    [Fact]
    public async Task RetryAsync_UnknownOrOtherDomain_Null()
    {
        Assert.Null(await _db.Deliveries.RetryAsync("nope", null, T0, CancellationToken.None));
        Assert.Null(await _db.Deliveries.RetryAsync("e1-w1", "other-domain", T0, CancellationToken.None));
    }

    [Fact]
    public async Task RetryAsync_PausedWebhook_PendingButHeld()
    {
        await ClaimAsync(T0);
        await CompleteAsync(T0, Failed("e1-w1", 8, T0, 500, next: null));
        await _db.Webhooks.UpdateAsync("w1", w => w with { Status = WebhookStatus.Paused }, CancellationToken.None);

        var view = await _db.Deliveries.RetryAsync("e1-w1", null, T0, CancellationToken.None);

        Assert.Equal(DeliveryStatus.Pending, view!.Status);
        Assert.Empty(await ClaimAsync(T0.AddHours(1)));

        await _db.Webhooks.UpdateAsync("w1", w => w with { Status = WebhookStatus.Enabled }, CancellationToken.None);
        Assert.Single(await ClaimAsync(T0.AddHours(1)));
    }

    [Fact]
    public async Task GetAsync_OtherDomain_Null()
    {
        await _db.PublishAsync("e9", T0, domainId: "dom-a", webhookIds: "w1");

        Assert.NotNull(await _db.Deliveries.GetAsync("e9-w1", "dom-a", CancellationToken.None));
        Assert.Null(await _db.Deliveries.GetAsync("e9-w1", "dom-b", CancellationToken.None));
        Assert.Null(await _db.Deliveries.GetAsync("missing", null, CancellationToken.None));
    }

    private static AttemptRecord Succeeded(string deliveryId, int number, DateTimeOffset started, string? body = "ok") =>
        new(deliveryId, "w1", number, started, 200, 40, null, body, true, null);

    private static AttemptRecord Failed(
        string deliveryId, int number, DateTimeOffset started, int? status, DateTimeOffset? next, string? error = null, string? body = null, double duration = 40) =>
        new(deliveryId, "w1", number, started, status, duration, error ?? $"HTTP {status}", body, false, next);

    private Task<ClaimResult> ClaimAsync(DateTimeOffset now, int max = 100) =>
        _db.Deliveries.ClaimDueAsync("node-a", now, Lease, max, CancellationToken.None);

    private Task<IReadOnlyList<WebhookStatusChange>> CompleteAsync(DateTimeOffset now, params AttemptRecord[] attempts) =>
        _db.Deliveries.CompleteAsync(attempts, now, DisableAfter, CancellationToken.None);

    private async Task<DeliveryView> GetAsync(string id) =>
        await _db.Deliveries.GetAsync(id, null, CancellationToken.None) ?? throw new InvalidOperationException($"{id} not found");
}
