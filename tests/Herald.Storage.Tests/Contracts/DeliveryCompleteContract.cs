using Herald.Core.Deliveries;
using Herald.Core.Webhooks;

namespace Herald.Storage.Tests.Contracts;

/// <summary>Attempt outcomes and the status machine: <see cref="IDeliveryStore.CompleteAsync"/>.</summary>
public abstract class DeliveryCompleteContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    protected override async Task SeedAsync()
    {
        await InsertWebhookAsync("w1");
        await PublishAsync("e1", T0, webhookIds: "w1");
    }

    [Fact]
    public async Task CompleteAsync_Success_DeliverySucceededAndNotClaimedAgain()
    {
        await Claim(T0);

        var changes = await CompleteAsync(T0, Succeeded("e1-w1", 1, T0));

        Assert.Empty(changes);
        var view = await GetAsync("e1-w1");
        Assert.Equal((DeliveryStatus.Succeeded, 1, (int?)200, (DateTimeOffset?)null), (view.Status, view.AttemptCount, view.LastStatusCode, view.NextAttemptAt));
        Assert.Empty(await Claim(T0.AddDays(1)));
        Assert.Null(await NextDueAfterAsync(DateTimeOffset.MinValue));
    }

    [Fact]
    public async Task CompleteAsync_Success_UpdatedAtIsTheCompletionTime()
    {
        await Claim(T0);

        await CompleteAsync(T0.AddSeconds(2), Succeeded("e1-w1", 1, T0));

        var view = await GetAsync("e1-w1");
        Assert.Equal((T0, T0.AddSeconds(2)), (view.CreatedAt, view.UpdatedAt));
    }

    [Fact]
    public async Task CompleteAsync_FailureWithNextAttempt_PendingAndDueThen()
    {
        await Claim(T0);
        var next = T0.AddSeconds(5);

        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, next));

        var view = await GetAsync("e1-w1");
        Assert.Equal((DeliveryStatus.Pending, 1, (int?)500, "HTTP 500"), (view.Status, view.AttemptCount, view.LastStatusCode, view.LastError));
        Assert.Equal(next, view.NextAttemptAt);
        Assert.Empty(await Claim(next.AddMilliseconds(-1)));
        var again = Assert.Single(await Claim(next));
        Assert.Equal(1, again.AttemptCount);
    }

    [Fact]
    public async Task CompleteAsync_FailureWithNextAttempt_LeaseIsReleased()
    {
        await Claim(T0);

        // Due at once: only a leftover lease could stop the next claim.
        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0));

        Assert.Single(await Claim(T0));
    }

    [Fact]
    public async Task CompleteAsync_FailureWithoutStatusCode_LastErrorKeptAndNoCode()
    {
        await Claim(T0);

        await CompleteAsync(T0, Failed("e1-w1", 1, T0, null, T0.AddSeconds(5), error: "timeout"));

        var view = await GetAsync("e1-w1");
        Assert.Equal(((int?)null, "timeout"), (view.LastStatusCode, view.LastError));
    }

    [Fact]
    public async Task CompleteAsync_SuccessAfterFailure_LastErrorCleared()
    {
        await Claim(T0);
        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)));
        await Claim(T0.AddSeconds(5));

        await CompleteAsync(T0.AddSeconds(5), Succeeded("e1-w1", 2, T0.AddSeconds(5)));

        var view = await GetAsync("e1-w1");
        Assert.Equal(((int?)200, (string?)null, 2), (view.LastStatusCode, view.LastError, view.AttemptCount));
    }

    [Fact]
    public async Task CompleteAsync_LastAttemptFails_DeliveryFailed()
    {
        await Claim(T0);

        await CompleteAsync(T0, Failed("e1-w1", 8, T0, 503, next: null));

        var view = await GetAsync("e1-w1");
        Assert.Equal(DeliveryStatus.Failed, view.Status);
        Assert.Equal(8, view.AttemptCount);
        Assert.Null(view.NextAttemptAt);
        Assert.Empty(await Claim(T0.AddDays(30)));
    }

    [Fact]
    public async Task CompleteAsync_SeveralAttempts_GetAsyncShowsThemInOrderWithResponseBodies()
    {
        var t1 = T0;
        var t2 = T0.AddSeconds(5);
        var t3 = T0.AddMinutes(6);
        await Claim(t1);
        await CompleteAsync(t1, Failed("e1-w1", 1, t1, null, t2, error: "connection refused", body: null, duration: 12.5));
        await Claim(t2);
        await CompleteAsync(t2, Failed("e1-w1", 2, t2, 503, t3, body: "{\"busy\":true}"));
        await Claim(t3);
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
        await Claim(T0);

        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5), body: body));

        Assert.Equal(body, Assert.Single((await GetAsync("e1-w1")).Attempts!).ResponseBody);
    }

    [Fact]
    public async Task CompleteAsync_ManyDeliveriesInOneCall_EachMovedOn()
    {
        for (var i = 2; i <= 40; i++)
        {
            await PublishAsync($"e{i}", T0, webhookIds: "w1");
        }

        var claimed = await Claim(T0);
        var attempts = claimed.Select((c, i) => i % 2 == 0 ? Succeeded(c.Id, 1, T0) : Failed(c.Id, 1, T0, 500, T0.AddMinutes(1))).ToArray();

        await CompleteAsync(T0, attempts);

        Assert.Equal(40, claimed.Count);
        Assert.Equal(20, (await DeliveryIdsAsync(status: DeliveryStatus.Succeeded)).Count);
        Assert.Equal(20, (await Claim(T0.AddMinutes(1))).Count);
    }

    [Fact]
    public async Task CompleteAsync_NoAttempts_NoChange()
    {
        await Claim(T0);

        Assert.Empty(await CompleteAsync(T0));

        Assert.Equal(DeliveryStatus.Pending, await StatusOf("e1-w1"));
        Assert.Empty(await Claim(T0, owner: "node-b"));
    }

    [Fact]
    public async Task CompleteAsync_SucceededDeliveryCompletedAgain_StaysSucceeded()
    {
        await Claim(T0);
        await CompleteAsync(T0, Succeeded("e1-w1", 1, T0));

        await CompleteAsync(T0.AddSeconds(1), Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)));

        Assert.Equal(DeliveryStatus.Succeeded, await StatusOf("e1-w1"));
        Assert.Empty(await Claim(T0.AddMinutes(1)));
    }

    [Fact]
    public async Task ListAsync_Deliveries_DoNotCarryAttempts()
    {
        await Claim(T0);
        await CompleteAsync(T0, Succeeded("e1-w1", 1, T0));

        var page = await Deliveries.ListAsync(new DeliveryFilter(null, null, null, null, new PageRequest(10, null)), None);

        Assert.Null(Assert.Single(page.Objects).Attempts);
    }

    [Fact]
    public async Task CompleteAsync_EnabledWebhookFails_BecomesFailingAndReportsTheChange()
    {
        await Claim(T0);

        var changes = await CompleteAsync(T0.AddSeconds(1), Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)));

        Assert.Equal([new WebhookStatusChange("w1", WebhookStatus.Enabled, WebhookStatus.Failing, "e1-w1")], changes);
        var webhook = await GetWebhookAsync("w1");
        Assert.Equal((WebhookStatus.Failing, T0.AddSeconds(1), "HTTP 500"), (webhook.Status, webhook.FirstFailedAt!.Value, webhook.LastError));
        Assert.Single(await Claim(T0.AddSeconds(5)));
    }

    [Fact]
    public async Task CompleteAsync_TwoFailuresOfOneWebhookInOneCall_OneChangeReported()
    {
        await PublishAsync("e2", T0, webhookIds: "w1");
        await Claim(T0);

        var changes = await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)), Failed("e2-w1", 1, T0, 502, T0.AddSeconds(5)));

        Assert.Equal([new WebhookStatusChange("w1", WebhookStatus.Enabled, WebhookStatus.Failing, "e1-w1")], changes);
        Assert.Equal("HTTP 502", (await GetWebhookAsync("w1")).LastError);
    }

    [Fact]
    public async Task CompleteAsync_FailureThenSuccessInOneCall_BothChangesInOrder()
    {
        await PublishAsync("e2", T0, webhookIds: "w1");
        await Claim(T0);

        var changes = await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)), Succeeded("e2-w1", 1, T0));

        Assert.Equal(
            [
                new WebhookStatusChange("w1", WebhookStatus.Enabled, WebhookStatus.Failing, "e1-w1"),
                new WebhookStatusChange("w1", WebhookStatus.Failing, WebhookStatus.Enabled, "e2-w1"),
            ],
            changes);
        var webhook = await GetWebhookAsync("w1");
        Assert.Equal(WebhookStatus.Enabled, webhook.Status);
        Assert.Null(webhook.FirstFailedAt);
    }

    [Fact]
    public async Task CompleteAsync_AttemptsOfTwoWebhooks_EachWebhookJudgedOnItsOwn()
    {
        await InsertWebhookAsync("w2");
        await PublishAsync("e2", T0, webhookIds: "w2");
        await Claim(T0);

        var changes = await CompleteAsync(T0, Succeeded("e1-w1", 1, T0), Failed("e2-w2", 1, T0, 500, T0.AddSeconds(5), webhookId: "w2"));

        Assert.Equal([new WebhookStatusChange("w2", WebhookStatus.Enabled, WebhookStatus.Failing, "e2-w2")], changes);
        Assert.Equal(WebhookStatus.Enabled, (await GetWebhookAsync("w1")).Status);
        Assert.Equal(WebhookStatus.Failing, (await GetWebhookAsync("w2")).Status);
    }

    [Fact]
    public async Task CompleteAsync_FailingWebhookFailsAgain_NoChangeReportedButLastErrorUpdated()
    {
        await Claim(T0);
        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)));
        await Claim(T0.AddSeconds(5));

        var changes = await CompleteAsync(T0.AddSeconds(5), Failed("e1-w1", 2, T0.AddSeconds(5), 502, T0.AddMinutes(5)));

        Assert.Empty(changes);
        var webhook = await GetWebhookAsync("w1");
        Assert.Equal((WebhookStatus.Failing, T0, "HTTP 502"), (webhook.Status, webhook.FirstFailedAt!.Value, webhook.LastError));
    }

    [Fact]
    public async Task CompleteAsync_FailingWebhookSucceeds_BackToEnabled()
    {
        await Claim(T0);
        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)));
        await Claim(T0.AddSeconds(5));

        var changes = await CompleteAsync(T0.AddSeconds(5), Succeeded("e1-w1", 2, T0.AddSeconds(5)));

        Assert.Equal([new WebhookStatusChange("w1", WebhookStatus.Failing, WebhookStatus.Enabled, "e1-w1")], changes);
        var webhook = await GetWebhookAsync("w1");
        Assert.Equal(WebhookStatus.Enabled, webhook.Status);
        Assert.Null(webhook.FirstFailedAt);
    }

    [Fact]
    public async Task CompleteAsync_FailingJustShortOfDisableAfter_StaysFailing()
    {
        await Claim(T0);
        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)));
        var almost = T0 + DisableAfter - TimeSpan.FromSeconds(1);
        await Claim(almost);

        Assert.Empty(await CompleteAsync(almost, Failed("e1-w1", 2, almost, 500, almost.AddHours(1))));

        Assert.Equal(WebhookStatus.Failing, (await GetWebhookAsync("w1")).Status);
    }

    [Fact]
    public async Task CompleteAsync_FailingForDisableAfter_DisablesAndHoldsPendingDeliveries()
    {
        await PublishAsync("e2", T0, webhookIds: "w1");
        await Claim(T0);
        await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)), Failed("e2-w1", 1, T0, 500, T0.AddHours(1)));
        var later = T0 + DisableAfter;
        var claimed = await Claim(later);
        Assert.Equal(2, claimed.Count);

        var changes = await CompleteAsync(later, Failed("e1-w1", 2, later, 500, later.AddHours(2)));
        await Deliveries.ReleaseAsync("node-a", claimed.Where(c => c.Id == "e2-w1").ToList(), later, None);

        Assert.Equal([new WebhookStatusChange("w1", WebhookStatus.Failing, WebhookStatus.Disabled, "e1-w1")], changes);
        Assert.Equal(WebhookStatus.Disabled, (await GetWebhookAsync("w1")).Status);
        Assert.Equal(["e2-w1", "e1-w1"], await DeliveryIdsAsync(status: DeliveryStatus.Pending));
        Assert.Empty(await Claim(later.AddDays(1)));
        Assert.Null(await NextDueAfterAsync(DateTimeOffset.MinValue));
    }

    [Fact]
    public async Task CompleteAsync_Gone410_DisablesAtOnceAndHoldsOtherPendingDeliveries()
    {
        await PublishAsync("e2", T0, webhookIds: "w1");
        await PublishAsync("e3", T0.AddMinutes(1), webhookIds: "w1");
        var claimed = await Claim(T0, max: 1);

        var changes = await CompleteAsync(T0, Failed(claimed[0].Id, 1, T0, 410, next: null));

        Assert.Equal([new WebhookStatusChange("w1", WebhookStatus.Enabled, WebhookStatus.Disabled, claimed[0].Id)], changes);
        var webhook = await GetWebhookAsync("w1");
        Assert.Equal((WebhookStatus.Disabled, "HTTP 410"), (webhook.Status, webhook.LastError));
        Assert.Empty(await Claim(T0.AddDays(1)));
        Assert.Null(await NextDueAfterAsync(DateTimeOffset.MinValue));
        Assert.Equal(2, (await DeliveryIdsAsync(status: DeliveryStatus.Pending)).Count);
    }

    [Fact]
    public async Task CompleteAsync_DisabledThenReEnabled_HeldDeliveriesSendAgain()
    {
        await PublishAsync("e2", T0, webhookIds: "w1");
        var claimed = await Claim(T0, max: 1);
        await CompleteAsync(T0, Failed(claimed[0].Id, 1, T0, 410, next: null));

        await SetWebhookStatusAsync("w1", WebhookStatus.Enabled);

        Assert.Single(await Claim(T0.AddMinutes(1)));
    }

    [Fact]
    public async Task CompleteAsync_PausedWebhookAttemptFails_StaysPaused()
    {
        await Claim(T0);
        await SetWebhookStatusAsync("w1", WebhookStatus.Paused);

        var changes = await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)));

        Assert.Empty(changes);
        var webhook = await GetWebhookAsync("w1");
        Assert.Equal(WebhookStatus.Paused, webhook.Status);
        Assert.Null(webhook.FirstFailedAt);
        Assert.Empty(await Claim(T0.AddMinutes(1)));
    }

    [Fact]
    public async Task CompleteAsync_WebhookDeletedMeanwhile_AttemptLoggedAndNoChange()
    {
        await Claim(T0);
        await Webhooks.DeleteAsync("w1", T0, None);

        var changes = await CompleteAsync(T0, Failed("e1-w1", 1, T0, 500, T0.AddSeconds(5)));

        Assert.Empty(changes);
        Assert.Null(await Webhooks.GetAsync("w1", None));
        Assert.Equal(DeliveryStatus.Cancelled, await StatusOf("e1-w1"));
    }

    [Fact]
    public async Task CompleteAsync_CancelledDelivery_StaysCancelled()
    {
        await Claim(T0);
        await Webhooks.DeleteAsync("w1", T0, None);

        await CompleteAsync(T0, Succeeded("e1-w1", 1, T0));

        Assert.Equal(DeliveryStatus.Cancelled, await StatusOf("e1-w1"));
    }
}
