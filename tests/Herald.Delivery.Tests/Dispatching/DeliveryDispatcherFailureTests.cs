using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Delivery.Auth;
using Herald.Delivery.Dispatching;
using Herald.Delivery.Http;
using Herald.Delivery.Metrics;
using Herald.Delivery.Payload;
using Herald.Delivery.Tests.Infrastructure;
using Herald.Delivery.Webhooks;
using Herald.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Delivery.Tests.Dispatching;

/// <summary>
/// The dispatcher's failure paths — a store that fails to record, to release or to recover leases,
/// a lease too short to start on, shutdown mid-attempt, an attempt that throws — driven through a
/// fault-injecting store, a fake clock for leases, and a raw-socket receiver.
/// </summary>
public sealed class DeliveryDispatcherFailureTests : IAsyncDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(T0);
    private readonly FaultyDeliveryStore _store = new();
    private readonly ListLogger _logger = new();
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private DeliveryDispatcher? _dispatcher;

    public async ValueTask DisposeAsync()
    {
        if (_dispatcher is not null)
        {
            await StopAsync();
            _dispatcher.Dispose();
        }

        _client.Dispose();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task RecordingFailsOnce_WrittenAgainAfterAPause_SentOnlyOnce()
    {
        await using var receiver = new RawHttpServer((socket, _, ct) => RawHttpServer.AnswerAsync(socket, 200, "ok", ct));
        _store.Add("d1", "w1", T0);
        _store.FailCompletes = 1;

        await StartAsync(Hook("w1", receiver.Url("/ok")));

        await UntilAsync(() => _logger.Has(2011), "the failed write to be logged");
        Assert.Empty(_store.Attempts);
        await UntilAsync(() => _store.StatusOf("d1") == DeliveryStatus.Succeeded, "the write to be tried again", advance: TimeSpan.FromMilliseconds(500));
        Assert.Equal(1, Assert.Single(_store.Attempts).Number);
        Assert.Equal(1, receiver.Requests);
        Assert.False(_logger.Has(2005));
    }

    [Fact]
    public async Task RecordingKeepsFailing_DeliverySentAgainAfterItsLeaseRunsOut_ThenRecorded()
    {
        await using var receiver = new RawHttpServer((socket, _, ct) => RawHttpServer.AnswerAsync(socket, 200, "ok", ct));
        _store.Add("d1", "w1", T0);
        _store.FailCompletes = 3;

        await StartAsync(Hook("w1", receiver.Url("/ok")));

        await UntilAsync(() => _logger.Has(2005), "the write to be given up", advance: TimeSpan.FromMilliseconds(500));
        Assert.Empty(_store.Attempts);
        Assert.True(_store.IsLeased("d1"));

        // The recorder lives on; once the lease (2 × 60 s + 30 s) runs out the delivery goes again.
        await UntilAsync(() => _store.StatusOf("d1") == DeliveryStatus.Succeeded, "the retried attempt to be recorded", advance: TimeSpan.FromSeconds(10));
        var attempt = Assert.Single(_store.Attempts);
        Assert.Equal(1, attempt.Number);
        Assert.Equal(2, receiver.Requests);
        Assert.True(_clock.GetUtcNow() >= T0 + TimeSpan.FromSeconds(150));
    }

    [Fact]
    public async Task ReleaseFails_RefusedClaimLogged_OtherDeliveriesStillSent()
    {
        await using var receiver = new RawHttpServer((socket, _, ct) => RawHttpServer.AnswerAsync(socket, 200, "ok", ct));
        _store.Add("orphan", "deleted-webhook", T0);
        _store.Add("d1", "w1", T0);
        _store.FailReleases = 1;

        await StartAsync(Hook("w1", receiver.Url("/ok")));

        await UntilAsync(() => _store.StatusOf("d1") == DeliveryStatus.Succeeded, "the other delivery to be sent");
        Assert.True(_logger.Has(2007));
        Assert.False(_logger.Has(2003));
        Assert.True(_store.IsLeased("orphan"));
        Assert.Equal(1, receiver.Requests);
    }

    [Fact]
    public async Task ClaimedForADeletedWebhook_LeaseGivenBackUnsent()
    {
        _store.Add("orphan", "deleted-webhook", T0);

        await StartAsync();

        await UntilAsync(() => _store.Released.Contains("orphan"), "the lease to be given back");
        Assert.Empty(_store.Attempts);
    }

    [Fact]
    public async Task LeaseTooShortForTheTimeout_GivenBackUnsentAndNotCounted()
    {
        await using var receiver = new RawHttpServer((socket, _, ct) => RawHttpServer.AnswerAsync(socket, 200, "ok", ct));
        _store.Add("d1", "w1", T0);

        // Less than the 30 s timeout plus the 30 s slack left: starting could outlive the lease.
        _store.LeaseOverride = TimeSpan.FromSeconds(50);
        await StartAsync(Hook("w1", receiver.Url("/ok")));

        await UntilAsync(() => _store.Released.Contains("d1"), "the delivery to be given back");
        Assert.Equal(0, receiver.Requests);
        Assert.Empty(_store.Attempts);

        _store.LeaseOverride = null;
        await UntilAsync(() => _store.StatusOf("d1") == DeliveryStatus.Succeeded, "the delivery to be sent on a full lease", advance: TimeSpan.FromSeconds(1));
        Assert.Equal(1, Assert.Single(_store.Attempts).Number);
    }

    [Fact]
    public async Task Shutdown_AttemptStillInFlight_CancelledReleasedAndNotCounted()
    {
        await using var receiver = new RawHttpServer((_, _, ct) => Task.Delay(Timeout.Infinite, ct));
        _store.Add("d1", "w1", T0);
        await StartAsync(Hook("w1", receiver.Url("/hangs")));
        await UntilAsync(() => receiver.Requests == 1, "the attempt to start");

        await StopAsync();

        Assert.Contains("d1", _store.Released);
        Assert.False(_store.IsLeased("d1"));
        Assert.Empty(_store.Attempts);
    }

    [Fact]
    public async Task LeaseTakenByAnotherClaimMidAttempt_ResultIgnoredAndLogged()
    {
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = new RawHttpServer(async (socket, _, ct) =>
        {
            await answer.Task.WaitAsync(ct);
            await RawHttpServer.AnswerAsync(socket, 200, "ok", ct);
        });
        _store.Add("d1", "w1", T0);
        await StartAsync(Hook("w1", receiver.Url("/slow")));
        await UntilAsync(() => receiver.Requests == 1, "the attempt to start");

        // Another node claims the delivery (as if this one's lease had run out) before the answer.
        _store.LeaseAsIfByADeadProcess("d1", T0 + TimeSpan.FromMinutes(10));
        answer.SetResult();

        await UntilAsync(() => _logger.Has(2012), "the stale result to be ignored");
        Assert.Empty(_store.Attempts);
        Assert.Equal(DeliveryStatus.Pending, _store.StatusOf("d1"));
        Assert.True(_store.IsLeased("d1"));
    }

    [Fact]
    public async Task Start_LeasesOfADeadProcess_RecoveredBeforeTheFirstClaimAndSentAtOnce()
    {
        await using var receiver = new RawHttpServer((socket, _, ct) => RawHttpServer.AnswerAsync(socket, 200, "ok", ct));
        _store.Add("d1", "w1", T0);
        _store.LeaseAsIfByADeadProcess("d1", T0 + TimeSpan.FromMinutes(2));

        await StartAsync(Hook("w1", receiver.Url("/ok")));

        await UntilAsync(() => _store.StatusOf("d1") == DeliveryStatus.Succeeded, "the recovered delivery to be sent");
        Assert.Equal("recover", _store.Calls.First());
        Assert.Equal(T0, _clock.GetUtcNow());
        Assert.True(_logger.Has(2009));
    }

    [Fact]
    public async Task Start_RecoveringLeasesFails_LoggedAndDeliveryGoesOn()
    {
        await using var receiver = new RawHttpServer((socket, _, ct) => RawHttpServer.AnswerAsync(socket, 200, "ok", ct));
        _store.Add("d1", "w1", T0);
        _store.FailRecover = true;

        await StartAsync(Hook("w1", receiver.Url("/ok")));

        await UntilAsync(() => _store.StatusOf("d1") == DeliveryStatus.Succeeded, "the delivery to be sent");
        Assert.True(_logger.Has(2010));
    }

    [Fact]
    public async Task SendingThrows_AttemptRecordedAsFailedOnTheSchedule()
    {
        // Payload options the shaper refuses (stored data gone bad): shaping throws inside the attempt.
        await using var receiver = new RawHttpServer((socket, _, ct) => RawHttpServer.AnswerAsync(socket, 200, "ok", ct));
        _store.Add("d1", "w1", T0);
        var broken = Hook("w1", receiver.Url("/ok")) with { Payload = new PayloadOptions(PayloadOptions.Envelope, ["data..x"]), RetrySchedule = [10] };

        await StartAsync(broken);

        await UntilAsync(() => !_store.Attempts.IsEmpty, "the failed attempt to be recorded");
        var attempt = Assert.Single(_store.Attempts);
        Assert.False(attempt.Succeeded);
        Assert.Contains("InvalidOperationException", attempt.Error, StringComparison.Ordinal);
        Assert.Equal(T0 + TimeSpan.FromSeconds(10), attempt.NextAttemptAt);
        Assert.False(_store.IsLeased("d1"));
        Assert.Equal(0, receiver.Requests);
    }

    private static Webhook Hook(string id, string url) => new() { Id = id, Url = url, EventType = "assets" };

    private async Task StartAsync(params Webhook[] webhooks)
    {
        var registry = new WebhookRegistry(new FixedWebhookStore(webhooks));
        var sender = new WebhookSender(_client, new OutboundAuthenticator(new OAuthTokenCache(_client, _clock)), new PayloadShaperCache(), _clock);

        // Jitter drawn as 0.5: no jitter, so retry times are exact.
        _dispatcher = new DeliveryDispatcher(
            _store, registry, sender, new DispatchSignal(), Options.Create(new DispatcherOptions { ShutdownGrace = TimeSpan.FromSeconds(1) }),
            new NoOperationalEvents(), _clock, _logger, new HeraldMetrics(_services.GetRequiredService<IMeterFactory>()), new RetryJitter(new HalfRandom()));
        await _dispatcher.StartAsync(CancellationToken.None);
    }

    private async Task StopAsync()
    {
        var stopping = _dispatcher!.StopAsync(CancellationToken.None);

        // The shutdown grace runs on the fake clock.
        while (!stopping.IsCompleted)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(200));
            await Task.WhenAny(stopping, Task.Delay(20));
        }

        await stopping;
    }

    /// <summary>Polls for <paramref name="condition"/>, moving the fake clock on by <paramref name="advance"/> each time.</summary>
    private async Task UntilAsync(Func<bool> condition, string what, TimeSpan? advance = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}; store calls: {string.Join(", ", _store.Calls)}; log: {_logger}");
            }

            if (advance is { } step)
            {
                _clock.Advance(step);
            }

            await Task.Delay(20);
        }
    }

    private sealed class HalfRandom : Random
    {
        public override double NextDouble() => 0.5;
    }

    private sealed class FixedWebhookStore(IReadOnlyList<Webhook> webhooks) : IWebhookStore
    {
        public Task<IReadOnlyList<Webhook>> LoadAllAsync(CancellationToken cancellationToken) => Task.FromResult(webhooks);

        public Task<Webhook?> GetAsync(string id, CancellationToken cancellationToken) => Task.FromResult(webhooks.FirstOrDefault(w => w.Id == id));

        public Task<Page<Webhook>> ListAsync(string? domainId, PageRequest page, CancellationToken cancellationToken)
        {
            var rest = webhooks.Where(w => (domainId is null || w.DomainId == domainId) && (page.Cursor is null || string.CompareOrdinal(w.Id, page.Cursor) > 0))
                .OrderBy(w => w.Id, StringComparer.Ordinal).ToList();
            var objects = rest.Take(page.Limit).ToList();
            return Task.FromResult(new Page<Webhook>(objects, rest.Count > page.Limit ? objects[^1].Id : null));
        }

        public Task<IReadOnlyList<Webhook>> ListAtAsync(string? domainId, int offset, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<int> CountAsync(string? domainId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task InsertAsync(Webhook webhook, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> InsertAsync(Webhook webhook, int maxPerDomain, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<WebhookUpdate> UpdateAsync(Webhook updated, long expectedVersion, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> DeleteAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class NoOperationalEvents : IOperationalEvents
    {
        public ValueTask AttemptRecordedAsync(Webhook webhook, ClaimedDelivery delivery, AttemptRecord record, IReadOnlyList<WebhookStatusChange> changes) => ValueTask.CompletedTask;
    }

    /// <summary>Keeps the event ids logged, to see which failure path ran.</summary>
    private sealed class ListLogger : ILogger<DeliveryDispatcher>
    {
        private readonly ConcurrentQueue<(int Id, string Message)> _entries = new();

        public bool Has(int eventId) => _entries.Any(e => e.Id == eventId);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _entries.Enqueue((eventId.Id, formatter(state, exception)));

        public override string ToString() => string.Join(" | ", _entries.Select(e => $"{e.Id}: {e.Message}"));
    }
}
