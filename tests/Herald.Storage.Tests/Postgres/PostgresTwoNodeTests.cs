using Herald.Core.Deliveries;
using Herald.Core.Events;
using Herald.Core.Webhooks;
using Herald.Storage.Postgres;
using Herald.Storage.Tests.Contracts;
using Microsoft.Extensions.DependencyInjection;
using static Herald.Storage.Tests.Contracts.TestData;

namespace Herald.Storage.Tests.Postgres;

/// <summary>
/// What must hold across nodes, not only across connections of one node: limits counted in the
/// database, one job-lease holder, publish order kept in <c>deliveries.seq</c>, and the clock
/// measured again while a node runs.
/// </summary>
public sealed class PostgresTwoNodeTests : TwoNodeTest
{
    [Fact]
    public async Task InsertAsync_DomainLimitRacedFromTwoNodes_StoresExactlyTheLimit()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(() =>
            (i % 2 == 0 ? A : B).Webhooks.InsertAsync(NewWebhook($"w{i}", domainId: "dom-a"), maxPerDomain: 5, CancellationToken.None))));

        Assert.Equal(5, results.Count(inserted => inserted));
        Assert.Equal(5, await A.Webhooks.CountAsync("dom-a", CancellationToken.None));
    }

    [Fact]
    public async Task TryAcquireAsync_RacedFromTwoNodes_ExactlyOneHolder()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() =>
            (i % 2 == 0 ? A : B).JobLeases.TryAcquireAsync("retention", $"node-{i}", TimeSpan.FromMinutes(1), CancellationToken.None))));

        Assert.Single(results, granted => granted);
    }

    [Fact]
    public async Task IngestAsync_FanOutBatch_DeliveriesNumberedInPublishOrder()
    {
        await A.Webhooks.InsertAsync(NewWebhook("w1"), CancellationToken.None);
        await A.Webhooks.InsertAsync(NewWebhook("w2"), CancellationToken.None);
        var events = Enumerable.Range(0, 50).Select(i => new StoredEvent($"e{i:D2}", new PublishedEvent("assets", "update", null, "o1", null, null, "{}"u8.ToArray()), T0)).ToList();

        // Ids deliberately not in publish order, so only seq can give the order back.
        var deliveries = events.SelectMany(e => new[] { "w2", "w1" }.Select(w => new NewDelivery($"{w}-{99 - int.Parse(e.Id[1..], System.Globalization.CultureInfo.InvariantCulture):D2}", w, e.Id, "o1", null, T0, Ordered: true))).ToList();
        await A.Events.IngestAsync(new IngestBatch(events, deliveries, null, null, T0), CancellationToken.None);

        var stored = (string[])(await A.Database.ScalarAsync("SELECT array_agg(id ORDER BY seq) FROM deliveries"))!;
        Assert.Equal(deliveries.Select(d => d.Id), stored);
    }

    [Fact]
    public async Task IngestAsync_SameKeyRacedFromTwoNodes_StoredOnceAndBothGetTheSameIds()
    {
        await A.Webhooks.InsertAsync(NewWebhook("w1"), CancellationToken.None);
        IngestBatch Batch(string eventId) => new(
            [new StoredEvent(eventId, new PublishedEvent("assets", "update", null, "o1", null, null, "{}"u8.ToArray()), T0)],
            [new NewDelivery(eventId + "-w1", "w1", eventId, "o1", null, T0)],
            "scope",
            "key-1",
            T0);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => (i % 2 == 0 ? A : B).Events.IngestAsync(Batch($"e{i}"), CancellationToken.None))));

        Assert.Single(results, r => !r.Replayed);
        Assert.Single(results.Select(r => string.Join(",", r.EventIds)).Distinct());
        Assert.Equal(1L, await A.Database.ScalarAsync("SELECT COUNT(*) FROM deliveries"));
        Assert.Equal(1L, await A.Database.ScalarAsync("SELECT COUNT(*) FROM events"));
    }

    [Fact]
    public async Task Clock_WhileTheNodeRuns_MeasuredAgainEveryInterval()
    {
        var options = new PostgresOptions { ConnectionString = A.Database.Options().ConnectionString, Schema = A.Database.Schema, ClockSyncInterval = TimeSpan.FromMilliseconds(50) };
        await using var services = new ServiceCollection().AddLogging().AddHeraldPostgres(options).BuildServiceProvider();
        await services.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None);
        var clock = services.GetRequiredService<PostgresClock>();
        var first = clock.SynchronizedAt;
        var hosted = services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (clock.SynchronizedAt == first && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.NotEqual(first, clock.SynchronizedAt);
            Assert.InRange(clock.Offset.Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(1));
        }
        finally
        {
            foreach (var service in hosted)
            {
                await service.StopAsync(CancellationToken.None);
            }
        }
    }
}
