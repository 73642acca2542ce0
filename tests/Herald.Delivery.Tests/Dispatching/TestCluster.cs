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
using Herald.Storage.Postgres;
using Herald.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Herald.Delivery.Tests.Dispatching;

/// <summary>
/// Several in-process nodes — each a dispatcher and a partition balancer with its own connection
/// pool — on one PostgreSQL database for partition leases and one store of deliveries, on the real
/// clock. Nodes are started, stopped gracefully, or cut off from the database (their partition
/// leases fail, as when a node loses its network).
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private readonly ScratchPostgres _postgres;
    private readonly ServiceProvider _shared;
    private readonly List<ClusterNode> _nodes = [];
    private readonly string _folder;

    private TestCluster(ScratchPostgres postgres, ServiceProvider shared, string folder)
    {
        _postgres = postgres;
        _shared = shared;
        _folder = folder;
    }

    public IWebhookStore Webhooks => _shared.GetRequiredService<IWebhookStore>();

    public IEventStore Events => _shared.GetRequiredService<IEventStore>();

    /// <summary>
    /// The deliveries every node claims from. SQLite's, shared by the nodes of this process until the
    /// PostgreSQL delivery store exists, except that a node's start leaves the others' leases alone,
    /// as a store shared by nodes does (SQLite gives back every lease at start: one process per file).
    /// </summary>
    public IDeliveryStore Deliveries => new SharedDeliveries(_shared.GetRequiredService<IDeliveryStore>());

    public IReadOnlyList<ClusterNode> Nodes => _nodes;

    public static async Task<TestCluster> StartAsync()
    {
        var postgres = await ScratchPostgres.CreateAsync();
        var folder = Path.Combine(Path.GetTempPath(), "herald-cluster-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var shared = new ServiceCollection().AddHeraldSqlite(new SqliteOptions { Path = Path.Combine(folder, "herald.db") }).BuildServiceProvider();
        await shared.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None);
        return new TestCluster(postgres, shared, folder);
    }

    /// <summary>Starts a node; it owns nothing until its balancer's first round.</summary>
    public async Task<ClusterNode> StartNodeAsync(string name, PartitionOptions partitions)
    {
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        var provider = services.AddHeraldPostgres(new PostgresOptions { ConnectionString = _postgres.ConnectionString }).BuildServiceProvider();
        await provider.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None);
        var node = new ClusterNode(name, provider, new CutOffLeases(provider.GetRequiredService<IPartitionLeases>()), Deliveries, Webhooks, _shared.GetRequiredService<IStoreChanges>(), partitions);
        _nodes.Add(node);
        await node.StartAsync();
        return node;
    }

    public async Task AddWebhookAsync(Webhook webhook) => await Webhooks.InsertAsync(webhook, CancellationToken.None);

    /// <summary>Publishes <paramref name="count"/> events, one delivery each for <paramref name="webhookId"/>, due now.</summary>
    public async Task<IReadOnlyList<string>> PublishAsync(string webhookId, int count, Func<int, string?>? objectId = null)
    {
        var now = DateTimeOffset.UtcNow;
        var events = new List<Core.Events.StoredEvent>();
        var deliveries = new List<NewDelivery>();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.CreateVersion7(now).ToString();
            var obj = objectId?.Invoke(i);
            var body = System.Text.Encoding.UTF8.GetBytes($$$"""{"event_type":"assets","operation":"update","object_id":"{{{obj}}}","data":{"n":{{{i}}}}}""");
            events.Add(new Core.Events.StoredEvent(id, new Core.Events.PublishedEvent("assets", "update", null, obj, null, null, body), now));
            deliveries.Add(new NewDelivery(Guid.CreateVersion7(now).ToString(), webhookId, id, obj, null, now));
        }

        await Events.IngestAsync(new IngestBatch(events, deliveries, null, null, now), CancellationToken.None);
        foreach (var node in _nodes)
        {
            node.Signal.Notify();
        }

        return deliveries.Select(d => d.Id).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await _shared.DisposeAsync();
        await _postgres.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still closing; the temp folder is cleaned up eventually.
        }
    }

    private sealed class SharedDeliveries(IDeliveryStore inner) : IDeliveryStore
    {
        public Task<ClaimResult> ClaimDueAsync(ClaimRequest request, CancellationToken cancellationToken) => inner.ClaimDueAsync(request, cancellationToken);

        public Task<CompletionResult> CompleteAsync(IReadOnlyList<AttemptRecord> attempts, DateTimeOffset now, TimeSpan disableAfter, CancellationToken cancellationToken) =>
            inner.CompleteAsync(attempts, now, disableAfter, cancellationToken);

        public Task ReleaseAsync(string owner, IReadOnlyList<ClaimedDelivery> deliveries, DateTimeOffset now, CancellationToken cancellationToken) =>
            inner.ReleaseAsync(owner, deliveries, now, cancellationToken);

        public Task<int> RecoverLeasesAsync(DateTimeOffset now, CancellationToken cancellationToken) => Task.FromResult(0);

        public Task<DeliveryView?> GetAsync(string id, string? domainId, CancellationToken cancellationToken) => inner.GetAsync(id, domainId, cancellationToken);

        public Task<Page<DeliveryView>> ListAsync(DeliveryFilter filter, CancellationToken cancellationToken) => inner.ListAsync(filter, cancellationToken);

        public Task<DeliveryView?> RetryAsync(string id, string? domainId, DateTimeOffset now, CancellationToken cancellationToken) => inner.RetryAsync(id, domainId, now, cancellationToken);
    }

    /// <summary>Partition leases that fail while the node is cut off from the database.</summary>
    internal sealed class CutOffLeases(IPartitionLeases inner) : IPartitionLeases
    {
        public volatile bool CutOff;

        public bool Shared => inner.Shared;

        public Task<PartitionHoldings> BalanceAsync(PartitionRound round, CancellationToken cancellationToken) =>
            CutOff ? Task.FromException<PartitionHoldings>(new TimeoutException("cut off from the database")) : inner.BalanceAsync(round, cancellationToken);

        public Task LeaveAsync(string node, CancellationToken cancellationToken) =>
            CutOff ? Task.FromException(new TimeoutException("cut off from the database")) : inner.LeaveAsync(node, cancellationToken);
    }
}

/// <summary>One node: its dispatcher, balancer and HTTP client (which tags requests with the node's name).</summary>
internal sealed class ClusterNode : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly HttpClient _client;
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly IDisposable _wake;
    private bool _stopped;

    public ClusterNode(
        string name, ServiceProvider services, TestCluster.CutOffLeases leases, IDeliveryStore deliveries, IWebhookStore webhooks, IStoreChanges changes, PartitionOptions partitions)
    {
        Name = name;
        _services = services;
        Leases = leases;
        _client = new HttpClient(new NodeTag(name) { InnerHandler = new SocketsHttpHandler { UseProxy = false } }) { Timeout = Timeout.InfiniteTimeSpan };
        var time = TimeProvider.System;
        var options = new DispatcherOptions { NodeId = "node-" + name, ShutdownGrace = TimeSpan.FromSeconds(5) };
        var metrics = new HeraldMetrics(_metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        Ownership = new PartitionOwnership(time);
        _wake = Signal.WakeOn(changes);
        var sender = new WebhookSender(_client, new OutboundAuthenticator(new OAuthTokenCache(_client, time)), new PayloadShaperCache(), time);
        Dispatcher = new DeliveryDispatcher(
            deliveries, new WebhookRegistry(webhooks, changes), sender, Signal, Options.Create(options), new NoEvents(), time,
            NullLogger<DeliveryDispatcher>.Instance, metrics, RetryJitter.Shared, Ownership);
        Balancer = new PartitionBalancer(
            leases, Ownership, Dispatcher, Signal, Options.Create(partitions), Options.Create(options), time, NullLogger<PartitionBalancer>.Instance, metrics);
    }

    public string Name { get; }

    public DispatchSignal Signal { get; } = new();

    public PartitionOwnership Ownership { get; }

    public DeliveryDispatcher Dispatcher { get; }

    public PartitionBalancer Balancer { get; }

    public TestCluster.CutOffLeases Leases { get; }

    /// <summary>The partitions it claims for now (owned, not being handed over, not fenced off).</summary>
    public IReadOnlySet<int> Claimable => Ownership.Claimable ?? throw new InvalidOperationException("a cluster node must be restricted to its partitions");

    public async Task StartAsync()
    {
        await Balancer.StartAsync(CancellationToken.None);
        await Dispatcher.StartAsync(CancellationToken.None);
    }

    /// <summary>A graceful stop, in the host's order: the dispatcher finishes, then the balancer gives everything back.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await Dispatcher.StopAsync(CancellationToken.None);
        await Balancer.StopAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        Leases.CutOff = false;
        await StopAsync();
        _wake.Dispose();
        Dispatcher.Dispose();
        Balancer.Dispose();
        _client.Dispose();
        await _metrics.DisposeAsync();
        await _services.DisposeAsync();
    }

    private sealed class NodeTag(string name) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.TryAddWithoutValidation(ConcurrencyReceiver.NodeHeader, name);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class NoEvents : IOperationalEvents
    {
        public ValueTask AttemptRecordedAsync(Webhook webhook, ClaimedDelivery delivery, AttemptRecord record, IReadOnlyList<WebhookStatusChange> changes) => ValueTask.CompletedTask;
    }
}
