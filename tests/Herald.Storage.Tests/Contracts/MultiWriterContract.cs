using System.Data.Common;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;

namespace Herald.Storage.Tests.Contracts;

/// <summary>
/// Several writers at once, in-process and through the contracts only: what must hold when more
/// than one dispatcher, API request or node writes at the same time. SQLite serialises them in one
/// writer; a shared database must give the same answers.
/// </summary>
public abstract class MultiWriterContract<TProvider> : StoreContract<TProvider>
    where TProvider : IStoreProvider, new()
{
    protected override async Task SeedAsync()
    {
        await InsertWebhookAsync("w1");
        await InsertWebhookAsync("w2");
    }

    [Fact]
    public async Task ClaimDueAsync_TwoClaimersRacing_NoDeliveryClaimedTwice()
    {
        await Events.IngestAsync(
            new IngestBatch(
                Enumerable.Range(0, 300).Select(i => NewEvent($"e{i:D3}")).ToList(),
                Enumerable.Range(0, 300).SelectMany(i => new[] { NewDelivery($"e{i:D3}-w1", "w1", $"e{i:D3}", T0), NewDelivery($"e{i:D3}-w2", "w2", $"e{i:D3}", T0) }).ToList(),
                null, null, T0),
            None);

        var claimedBy = new[] { new List<string>(), new List<string>() };
        await Task.WhenAll(Enumerable.Range(0, 2).Select(n => Task.Run(async () =>
        {
            while (true)
            {
                var claimed = await Claim(T0, owner: $"node-{n}", max: 16);
                if (claimed.Count == 0)
                {
                    return;
                }

                claimedBy[n].AddRange(claimed.Select(c => c.Id));
            }
        })));

        var all = claimedBy[0].Concat(claimedBy[1]).ToList();
        Assert.Equal(600, all.Count);
        Assert.Equal(600, all.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task ClaimDueAsync_ExpiredLeaseClaimedByTwoAtOnce_OnlyOneGetsIt()
    {
        for (var i = 0; i < 20; i++)
        {
            await PublishAsync($"e{i:D2}", T0, webhookIds: "w1");
        }

        Assert.Equal(20, (await Claim(T0, owner: "crashed")).Count);

        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(n => Task.Run(() => Claim(T0 + Lease, owner: $"node-{n}", max: 20))));

        var ids = claims.SelectMany(c => c).Select(c => c.Id).ToList();
        Assert.Equal(20, ids.Count);
        Assert.Equal(20, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task ClaimDueAsync_ClaimersRacingRetries_EachRetriedDeliveryClaimedOnce()
    {
        for (var i = 0; i < 30; i++)
        {
            await PublishAsync($"e{i:D2}", Later, webhookIds: "w1");
        }

        var retries = Task.Run(async () =>
        {
            for (var i = 0; i < 30; i++)
            {
                Assert.NotNull(await Deliveries.RetryAsync($"e{i:D2}-w1", null, T0, None));
            }
        });
        var claimers = Enumerable.Range(0, 3).Select(n => Task.Run(async () =>
        {
            var mine = new List<string>();
            while (!retries.IsCompleted)
            {
                mine.AddRange((await Claim(T0, owner: $"node-{n}", max: 5)).Select(c => c.Id));
            }

            mine.AddRange((await Claim(T0, owner: $"node-{n}", max: 50)).Select(c => c.Id));
            return mine;
        })).ToList();
        await retries;

        var ids = (await Task.WhenAll(claimers)).SelectMany(c => c).ToList();
        Assert.Equal(30, ids.Count);
        Assert.Equal(30, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task IngestAsync_IdempotencyRace_OneSetOfIdsAndOneSetOfDeliveries()
    {
        var batches = Enumerable.Range(0, 40).Select(n =>
        {
            var events = Enumerable.Range(0, 3).Select(i => NewEvent($"r{n:D2}-e{i}")).ToList();
            var deliveries = events.SelectMany(e => new[] { NewDelivery($"{e.Id}-w1", "w1", e.Id, T0), NewDelivery($"{e.Id}-w2", "w2", e.Id, T0) }).ToList();
            return new IngestBatch(events, deliveries, "dom-a", "race-key", T0);
        }).ToList();

        var results = await Task.WhenAll(batches.Select(b => Task.Run(() => Events.IngestAsync(b, None))));

        var winner = Assert.Single(results, r => !r.Replayed);
        Assert.Equal(3, winner.EventIds.Count);
        Assert.All(results, r => Assert.Equal(winner.EventIds, r.EventIds));
        var deliveries = await ListAllAsync();
        Assert.Equal(6, deliveries.Count);
        Assert.Equal(winner.EventIds.Order(StringComparer.Ordinal), deliveries.Select(d => d.EventId).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task IngestAsync_IdempotencyRaceInTwoScopes_OneWinnerPerScope()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(n => Task.Run(() => Events.IngestAsync(
            new IngestBatch([NewEvent($"e{n:D2}")], [NewDelivery($"e{n:D2}-w1", "w1", $"e{n:D2}", T0)], n % 2 == 0 ? "dom-a" : "dom-b", "key", T0),
            None))));

        Assert.Equal(2, results.Count(r => !r.Replayed));
        Assert.Equal(2, (await ListAllAsync()).Count);
        Assert.Single(results.Where((_, n) => n % 2 == 0).Select(r => r.EventIds[0]).Distinct());
        Assert.Single(results.Where((_, n) => n % 2 == 1).Select(r => r.EventIds[0]).Distinct());
    }

    [Fact]
    public async Task UpdateAsync_EditRacingStatusChangesFromCompletions_NeitherLost()
    {
        for (var i = 0; i < 40; i++)
        {
            await PublishAsync($"e{i:D2}", T0, webhookIds: "w1");
        }

        var claimed = await Claim(T0, max: 100);
        var completions = Task.Run(async () =>
        {
            foreach (var delivery in claimed)
            {
                await CompleteAsync(T0.AddSeconds(1), Failed(delivery.Id, 1, T0, 503, T0.AddMinutes(1)));
            }
        });
        var edits = Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                await Webhooks.UpdateAsync("w1", w => w with { Headers = new Dictionary<string, string>(w.Headers) { [$"X-{i:D2}"] = "1" }, Name = $"edit {i}" }, None);
            }
        });
        await Task.WhenAll(completions, edits);

        var webhook = await GetWebhookAsync("w1");
        Assert.Equal((WebhookStatus.Failing, T0.AddSeconds(1), "HTTP 503"), (webhook.Status, webhook.FirstFailedAt, webhook.LastError));
        Assert.Equal("edit 39", webhook.Name);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"X-{i:D2}"), webhook.Headers.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task UpdateAsync_PauseRacingFailingCompletions_EndsPausedAndHolds()
    {
        for (var i = 0; i < 20; i++)
        {
            await PublishAsync($"e{i:D2}", T0, webhookIds: "w1");
        }

        var claimed = await Claim(T0, max: 10);
        var completions = Task.Run(async () =>
        {
            foreach (var delivery in claimed)
            {
                await CompleteAsync(T0.AddSeconds(1), Failed(delivery.Id, 1, T0, 500, T0));
            }
        });
        var pause = Task.Run(() => SetWebhookStatusAsync("w1", WebhookStatus.Paused));
        await Task.WhenAll(completions, pause);

        Assert.Equal(WebhookStatus.Paused, (await GetWebhookAsync("w1")).Status);
        Assert.Empty(await Claim(T0.AddMinutes(5)));
        Assert.Equal(20, (await DeliveryIdsAsync(status: DeliveryStatus.Pending)).Count);
    }

    [Fact]
    public async Task IngestAsync_RacingAPause_NothingOfThePausedWebhookIsClaimable()
    {
        var publishes = Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await PublishAsync($"e{i:D2}", T0, webhookIds: ["w1", "w2"]);
            }
        });
        await Task.Run(async () =>
        {
            while (!publishes.IsCompleted && (await DeliveryIdsAsync(webhookId: "w1")).Count < 10)
            {
                await Task.Yield();
            }

            await SetWebhookStatusAsync("w1", WebhookStatus.Paused);
        });
        await publishes;

        // Published before or after the pause: none may be sent while it holds.
        var claimed = await Claim(T0.AddDays(1), max: 500);
        Assert.Equal(50, claimed.Count);
        Assert.All(claimed, c => Assert.Equal("w2", c.WebhookId));
        Assert.Equal(50, (await DeliveryIdsAsync(webhookId: "w1", status: DeliveryStatus.Pending)).Count);
    }

    [Fact]
    public async Task CompleteAsync_RacingCancel_OneOfThemWinsAndTheDeliveryIsNeverPendingAgain()
    {
        for (var i = 0; i < 30; i++)
        {
            await PublishAsync($"e{i:D2}", T0, webhookIds: "w1");
        }

        var claimed = await Claim(T0);
        var outcomes = new CancelOutcome[claimed.Count];
        await Task.WhenAll(
            Task.Run(async () =>
            {
                foreach (var delivery in claimed)
                {
                    await CompleteAsync(T0, Succeeded(delivery.Id, 1, T0));
                }
            }),
            Task.Run(async () =>
            {
                for (var i = claimed.Count - 1; i >= 0; i--)
                {
                    outcomes[i] = await Recovery.CancelAsync(claimed[i].Id, null, T0, None);
                }
            }));

        for (var i = 0; i < claimed.Count; i++)
        {
            var view = await GetAsync(claimed[i].Id);
            Assert.Equal(outcomes[i] == CancelOutcome.Cancelled ? DeliveryStatus.Cancelled : DeliveryStatus.Succeeded, view.Status);
            Assert.Single(view.Attempts!);
        }

        Assert.Empty(await Claim(T0.AddDays(1)));
    }

    [Fact]
    public async Task WebhookInsert_SameIdConcurrently_ExactlyOneStored()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(n => Task.Run(async () =>
        {
            try
            {
                await Webhooks.InsertAsync(NewWebhook("dup", domainId: $"dom-{n}"), None);
                return true;
            }
            catch (DbException)
            {
                return false;
            }
        })));

        Assert.Single(results, r => r);
        var stored = await GetWebhookAsync("dup");
        Assert.Equal($"dom-{Array.IndexOf(results, true)}", stored.DomainId);
    }

    [Fact]
    public async Task ApiKeyInsert_SameHashConcurrently_ExactlyOneStored()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(n => Task.Run(async () =>
        {
            try
            {
                await ApiKeys.InsertAsync(new ApiKeyRecord($"k{n}", null, null, false, "same-hash", T0), None);
                return true;
            }
            catch (DbException)
            {
                return false;
            }
        })));

        Assert.Single(results, r => r);
        Assert.Equal($"k{Array.IndexOf(results, true)}", Assert.Single(await ApiKeys.LoadAllAsync(None)).Id);
    }

    [Fact]
    public async Task ReleaseAsync_RacingAReclaimAfterExpiry_NewerLeaseSurvives()
    {
        for (var i = 0; i < 20; i++)
        {
            await PublishAsync($"e{i:D2}", T0, webhookIds: "w1");
        }

        var stale = await Claim(T0, owner: "node-a");
        var reclaimed = Task.Run(() => Claim(T0 + Lease, owner: "node-b"));
        var release = Task.Run(() => Deliveries.ReleaseAsync("node-a", stale, T0 + Lease, None));
        await Task.WhenAll(reclaimed, release);

        // Whatever node-b took stays leased to it; whatever it did not take was given back.
        var taken = (await reclaimed).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var free = (await Claim(T0 + Lease, owner: "node-c")).Select(c => c.Id).ToList();
        Assert.Empty(free.Intersect(taken));
        Assert.Equal(20, taken.Count + free.Count);
    }

    [Fact]
    public async Task CompleteAsync_AfterItsLeaseWasTakenByAnotherClaim_DoesNotWin()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        var stale = Assert.Single(await Claim(T0, owner: "node-a"));
        var current = Assert.Single(await Claim(T0 + Lease, owner: "node-b"));

        // node-a's attempt outlived its lease and reports a success after node-b took the delivery.
        await CompleteAsync(T0 + Lease + TimeSpan.FromSeconds(1), Succeeded("e1-w1", 1, T0) with { LeaseUntil = stale.LeaseUntil });

        var view = await GetAsync("e1-w1");
        Assert.Equal((DeliveryStatus.Pending, (DateTimeOffset?)null, 0), (view.Status, view.NextAttemptAt, view.AttemptCount));
        Assert.Empty(await Claim(T0 + Lease + TimeSpan.FromSeconds(2), owner: "node-c"));

        // node-b's own result still counts.
        await CompleteAsync(T0 + Lease + TimeSpan.FromSeconds(3), Failed("e1-w1", 1, T0 + Lease, 500, T0 + Lease + TimeSpan.FromMinutes(1)) with { LeaseUntil = current.LeaseUntil });
        var after = await GetAsync("e1-w1");
        Assert.Equal((DeliveryStatus.Pending, (int?)500, 1), (after.Status, after.LastStatusCode, after.AttemptCount));
    }

    [Fact]
    public async Task CompleteAsync_StaleFailure_IgnoredWithoutAttemptOrWebhookChangeAndReported()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        var stale = Assert.Single(await Claim(T0, owner: "node-a"));
        Assert.Single(await Claim(T0 + Lease, owner: "node-b"));
        var before = await GetWebhookAsync("w1");

        var result = await Deliveries.CompleteAsync(
            [Failed("e1-w1", 1, T0, 410, next: null) with { LeaseUntil = stale.LeaseUntil }], T0 + Lease, DisableAfter, None);

        Assert.Equal(["e1-w1"], result.Ignored);
        Assert.Empty(result);
        var view = await GetAsync("e1-w1");
        Assert.Equal((DeliveryStatus.Pending, 0, (int?)null), (view.Status, view.AttemptCount, view.LastStatusCode));
        Assert.Empty(view.Attempts!);
        var after = await GetWebhookAsync("w1");
        Assert.Equal((WebhookStatus.Enabled, before.Version, (string?)null), (after.Status, after.Version, after.LastError));
    }

    [Fact]
    public async Task CompleteAsync_AfterItsLeaseWasGivenBack_IgnoredAndDueAgain()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        var claimed = await Claim(T0, owner: "node-a");
        await Deliveries.ReleaseAsync("node-a", claimed, T0.AddSeconds(1), None);

        var result = await Deliveries.CompleteAsync([Succeeded("e1-w1", 1, T0) with { LeaseUntil = claimed[0].LeaseUntil }], T0.AddSeconds(2), DisableAfter, None);

        Assert.Equal(["e1-w1"], result.Ignored);
        Assert.Equal(DeliveryStatus.Pending, await StatusOf("e1-w1"));
        Assert.Equal(["e1-w1"], (await Claim(T0.AddSeconds(2), owner: "node-b")).Select(c => c.Id));
    }

    [Fact]
    public async Task CompleteAsync_LateDuplicateOfARecordedAttempt_IgnoredNotReplacing()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        var claimed = Assert.Single(await Claim(T0));
        var first = Failed("e1-w1", 1, T0, 503, T0.AddMinutes(1), body: "first") with { LeaseUntil = claimed.LeaseUntil };
        Assert.Empty((await Deliveries.CompleteAsync([first], T0.AddSeconds(1), DisableAfter, None)).Ignored);

        // The same record again (a batch written twice), with a different body.
        var again = await Deliveries.CompleteAsync([first with { StatusCode = 200, Succeeded = true, ResponseBody = "second", NextAttemptAt = null }], T0.AddSeconds(2), DisableAfter, None);

        Assert.Equal(["e1-w1"], again.Ignored);
        var view = await GetAsync("e1-w1");
        Assert.Equal((DeliveryStatus.Pending, 1, (int?)503), (view.Status, view.AttemptCount, view.LastStatusCode));
        Assert.Equal("first", Assert.Single(view.Attempts!).ResponseBody);
    }

    [Fact]
    public async Task CompleteAsync_AttemptNumberAlreadyRecorded_FirstRowKept()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        var first = Assert.Single(await Claim(T0));
        await Deliveries.CompleteAsync([Failed("e1-w1", 1, T0, 503, T0.AddMinutes(1), body: "first") with { LeaseUntil = first.LeaseUntil }], T0, DisableAfter, None);
        var second = Assert.Single(await Claim(T0.AddMinutes(1)));

        // A sender that reports the number of an attempt already recorded: the row is written once.
        var result = await Deliveries.CompleteAsync(
            [Succeeded("e1-w1", 1, T0.AddMinutes(1), body: "second") with { LeaseUntil = second.LeaseUntil }], T0.AddMinutes(1), DisableAfter, None);

        Assert.Empty(result.Ignored);
        var view = await GetAsync("e1-w1");
        Assert.Equal(DeliveryStatus.Succeeded, view.Status);
        var attempt = Assert.Single(view.Attempts!);
        Assert.Equal(("first", (int?)503), (attempt.ResponseBody, attempt.StatusCode));
    }

    [Fact]
    public async Task CompleteAsync_TwoNodesCompletingTheSameDeliveryAtOnce_OneWins()
    {
        for (var i = 0; i < 30; i++)
        {
            await PublishAsync($"e{i:D2}", T0, webhookIds: "w1");
        }

        var stale = await Claim(T0, owner: "node-a");
        var current = await Claim(T0 + Lease, owner: "node-b");
        var results = await Task.WhenAll(
            Task.Run(() => Deliveries.CompleteAsync(stale.Select(c => Failed(c.Id, 1, T0, 500, next: null) with { LeaseUntil = c.LeaseUntil }).ToList(), T0 + Lease, DisableAfter, None)),
            Task.Run(() => Deliveries.CompleteAsync(current.Select(c => Succeeded(c.Id, 1, T0 + Lease) with { LeaseUntil = c.LeaseUntil }).ToList(), T0 + Lease, DisableAfter, None)));

        Assert.Equal(30, results[0].Ignored.Count);
        Assert.Empty(results[1].Ignored);
        Assert.All(await ListAllAsync(), d => Assert.Equal((DeliveryStatus.Succeeded, 1), (d.Status, d.AttemptCount)));
        Assert.Equal(WebhookStatus.Enabled, (await GetWebhookAsync("w1")).Status);
    }

    [Fact]
    public async Task UpdateAsync_StaleVersion_ConflictAndNothingWritten()
    {
        var read = await GetWebhookAsync("w1");
        var first = await Webhooks.UpdateAsync(read with { Name = "first" }, read.Version, None);
        Assert.Equal((WebhookUpdateOutcome.Updated, read.Version + 1), (first.Outcome, first.Webhook!.Version));

        var second = await Webhooks.UpdateAsync(read with { Name = "second" }, read.Version, None);

        Assert.Equal(WebhookUpdateOutcome.Conflict, second.Outcome);
        var stored = await GetWebhookAsync("w1");
        Assert.Equal(("first", read.Version + 1), (stored.Name, stored.Version));
    }

    [Fact]
    public async Task UpdateAsync_Missing_NotFound()
    {
        var result = await Webhooks.UpdateAsync(NewWebhook("nope"), 1, None);

        Assert.Equal(WebhookUpdateOutcome.NotFound, result.Outcome);
        Assert.Null(await Webhooks.GetAsync("nope", None));
    }

    [Fact]
    public async Task UpdateAsync_AfterAStatusChangeFromACompletion_ConflictsAndARetryKeepsBoth()
    {
        await PublishAsync("e1", T0, webhookIds: "w1");
        Assert.Single(await Claim(T0));
        var read = await GetWebhookAsync("w1");

        await CompleteAsync(T0.AddSeconds(1), Failed("e1-w1", 1, T0, 503, T0.AddMinutes(1)));
        var stale = await Webhooks.UpdateAsync(read with { Name = "renamed" }, read.Version, None);
        var retried = await Webhooks.EditAsync("w1", w => w with { Name = "renamed" }, None);

        Assert.Equal((WebhookUpdateOutcome.Conflict, WebhookUpdateOutcome.Updated), (stale.Outcome, retried.Outcome));
        var stored = await GetWebhookAsync("w1");
        Assert.Equal(("renamed", WebhookStatus.Failing, "HTTP 503", read.Version + 2), (stored.Name, stored.Status, stored.LastError, stored.Version));
    }

    [Fact]
    public async Task EditAsync_ChangeAborts_NothingWritten()
    {
        var read = await GetWebhookAsync("w1");

        var result = await Webhooks.EditAsync("w1", _ => null, None);

        Assert.Equal(WebhookUpdateOutcome.NotFound, result.Outcome);
        Assert.Equal(read.Version, (await GetWebhookAsync("w1")).Version);
    }

    [Fact]
    public async Task IngestAsync_IdempotencyRaceAcrossManyKeys_EachKeyStoredOnce()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 60).Select(n => Task.Run(() => Events.IngestAsync(
            new IngestBatch([NewEvent($"e{n:D2}")], [NewDelivery($"e{n:D2}-w1", "w1", $"e{n:D2}", T0)], "dom-a", $"key-{n % 6}", T0),
            None))));

        Assert.Equal(6, results.Count(r => !r.Replayed));
        Assert.Equal(6, (await ListAllAsync()).Count);
        for (var k = 0; k < 6; k++)
        {
            Assert.Single(results.Where((_, n) => n % 6 == k).Select(r => r.EventIds[0]).Distinct());
        }
    }

    [Fact]
    public async Task EditAsync_AnotherEditWinsEveryTime_ConflictAfterItsTriesAndTheOtherEditKept()
    {
        var racing = new RacingWebhookStore(Webhooks, w => w with { Description = $"other {w.Version}", DateModified = w.DateModified.AddSeconds(1) }, races: int.MaxValue);

        var result = await racing.EditAsync("w1", w => w with { Name = "mine" }, None, tries: 3);

        // Three writes, each lost to the other writer; the read after the third tells it was an edit.
        Assert.Equal((WebhookUpdateOutcome.Conflict, 4), (result.Outcome, racing.Raced));
        var stored = await GetWebhookAsync("w1");
        Assert.Equal(((string?)null, "other 4", 5L), (stored.Name, stored.Description, stored.Version));
    }

    [Fact]
    public async Task EditAsync_AttemptsWinSeveralTimes_RetriedBeyondItsTriesAndBothKept()
    {
        // What an attempt writes: the health fields only; an edit always sets DateModified.
        var racing = new RacingWebhookStore(Webhooks, w => w with { Status = WebhookStatus.Failing, LastError = $"HTTP 50{w.Version}" }, races: 4);

        var result = await racing.EditAsync("w1", w => w with { Name = "mine", DateModified = T0.AddHours(1) }, None, tries: 1);

        Assert.Equal((WebhookUpdateOutcome.Updated, 4), (result.Outcome, racing.Raced));
        var stored = await GetWebhookAsync("w1");
        Assert.Equal(("mine", WebhookStatus.Failing, "HTTP 504", 6L), (stored.Name, stored.Status, stored.LastError, stored.Version));
    }

    /// <summary>Another writer that, right after each of the first <paramref name="races"/> reads, writes the webhook first.</summary>
    private sealed class RacingWebhookStore(IWebhookStore inner, Func<Webhook, Webhook> other, int races) : IWebhookStore
    {
        public int Raced { get; private set; }

        public async Task<Webhook?> GetAsync(string id, CancellationToken cancellationToken)
        {
            var read = await inner.GetAsync(id, cancellationToken);
            if (read is not null && Raced < races)
            {
                Raced++;
                Assert.Equal(WebhookUpdateOutcome.Updated, (await inner.UpdateAsync(other(read), read.Version, cancellationToken)).Outcome);
            }

            return read;
        }

        public Task<WebhookUpdate> UpdateAsync(Webhook updated, long expectedVersion, CancellationToken cancellationToken) =>
            inner.UpdateAsync(updated, expectedVersion, cancellationToken);

        public Task<IReadOnlyList<Webhook>> LoadAllAsync(CancellationToken cancellationToken) => inner.LoadAllAsync(cancellationToken);

        public Task<Page<Webhook>> ListAsync(string? domainId, PageRequest page, CancellationToken cancellationToken) => inner.ListAsync(domainId, page, cancellationToken);

        public Task<IReadOnlyList<Webhook>> ListAtAsync(string? domainId, int offset, int limit, CancellationToken cancellationToken) =>
            inner.ListAtAsync(domainId, offset, limit, cancellationToken);

        public Task<int> CountAsync(string? domainId, CancellationToken cancellationToken) => inner.CountAsync(domainId, cancellationToken);

        public Task InsertAsync(Webhook webhook, CancellationToken cancellationToken) => inner.InsertAsync(webhook, cancellationToken);

        public Task<bool> InsertAsync(Webhook webhook, int maxPerDomain, CancellationToken cancellationToken) => inner.InsertAsync(webhook, maxPerDomain, cancellationToken);

        public Task<bool> DeleteAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) => inner.DeleteAsync(id, now, cancellationToken);
    }
}
