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
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Herald.Delivery.Tests.Dispatching;

/// <summary>
/// Several in-process nodes on one PostgreSQL database, as separate processes would be: each node has
/// its own stores and connection pool (<c>AddHeraldPostgres</c>, its LISTEN connection started), the
/// database's clock, a dispatcher and a partition balancer. Nodes are started, stopped gracefully,
/// or cut off from the database (their partition leases fail, as when a node loses its network).
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private readonly ScratchPostgres _postgres;
    private readonly StoreNode _publisher;
    private readonly List<ClusterNode> _nodes = [];

    private TestCluster(ScratchPostgres postgres, StoreNode publisher)
    {
        _postgres = postgres;
        _publisher = publisher;
    }

    public IReadOnlyList<ClusterNode> Nodes => _nodes;

    public static async Task<TestCluster> StartAsync()
    {
        var postgres = await ScratchPostgres.CreateAsync();
        return new TestCluster(postgres, await StoreNode.OpenAsync(postgres.ConnectionString));
    }

    /// <summary>Starts a node; it owns nothing until its balancer's first round.</summary>
    public async Task<ClusterNode> StartNodeAsync(string name, PartitionOptions partitions)
    {
        var node = new ClusterNode(name, await StoreNode.OpenAsync(_postgres.ConnectionString), partitions);
        _nodes.Add(node);
        await node.StartAsync();
        return node;
    }

    public async Task AddWebhookAsync(Webhook webhook) => await _publisher.Get<IWebhookStore>().InsertAsync(webhook, CancellationToken.None);

    /// <summary>
    /// Publishes <paramref name="count"/> events, one delivery each for <paramref name="webhookId"/>,
    /// due now; with <paramref name="objectId"/>, deliveries are ordered by object (as ingest marks
    /// them for an <c>ordering: "object"</c> webhook). The nodes hear of it through the database.
    /// </summary>
    public async Task<IReadOnlyList<string>> PublishAsync(string webhookId, int count, Func<int, string?>? objectId = null)
    {
        var now = _publisher.Get<TimeProvider>().GetUtcNow();
        var events = new List<Core.Events.StoredEvent>();
        var deliveries = new List<NewDelivery>();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.CreateVersion7(now).ToString();
            var obj = objectId?.Invoke(i);
            var body = System.Text.Encoding.UTF8.GetBytes($$$"""{"event_type":"assets","operation":"update","object_id":"{{{obj}}}","data":{"n":{{{i}}}}}""");
            events.Add(new Core.Events.StoredEvent(id, new Core.Events.PublishedEvent("assets", "update", null, obj, null, null, body), now));
            deliveries.Add(new NewDelivery(Guid.CreateVersion7(now).ToString(), webhookId, id, obj, null, now, Ordered: obj is not null));
        }

        await _publisher.Get<IEventStore>().IngestAsync(new IngestBatch(events, deliveries, null, null, now), CancellationToken.None);
        return deliveries.Select(d => d.Id).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await _publisher.DisposeAsync();
        await _postgres.DisposeAsync();
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

/// <summary>One process's PostgreSQL stores, migrated, with their node services (LISTEN, clock) running.</summary>
internal sealed class StoreNode : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly List<IHostedService> _started = [];

    private StoreNode(ServiceProvider services) => _services = services;

    public static async Task<StoreNode> OpenAsync(string connectionString)
    {
        var services = new ServiceCollection().AddLogging().AddHeraldPostgres(new PostgresOptions { ConnectionString = connectionString }).BuildServiceProvider();
        var node = new StoreNode(services);
        await services.GetRequiredService<IStoreMigrator>().MigrateAsync(CancellationToken.None);
        foreach (var hosted in services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
            node._started.Add(hosted);
        }

        return node;
    }

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        foreach (var hosted in Enumerable.Reverse(_started))
        {
            await hosted.StopAsync(CancellationToken.None);
        }

        await _services.DisposeAsync();
    }
}

/// <summary>One node: its dispatcher, balancer and HTTP client (which tags requests with the node's name).</summary>
internal sealed class ClusterNode : IAsyncDisposable
{
    private readonly StoreNode _stores;
    private readonly HttpClient _client;
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly IDisposable _wake;
    private bool _stopped;

    public ClusterNode(string name, StoreNode stores, PartitionOptions partitions)
    {
        Name = name;
        _stores = stores;
        Leases = new TestCluster.CutOffLeases(stores.Get<IPartitionLeases>());
        _client = new HttpClient(new NodeTag(name) { InnerHandler = new SocketsHttpHandler { UseProxy = false } }) { Timeout = Timeout.InfiniteTimeSpan };
        var time = stores.Get<TimeProvider>();
        var changes = stores.Get<IStoreChanges>();
        var options = new DispatcherOptions { NodeId = "node-" + name, ShutdownGrace = TimeSpan.FromSeconds(5) };
        var metrics = new HeraldMetrics(_metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        Ownership = new PartitionOwnership(time);
        _wake = Signal.WakeOn(changes);
        var sender = new WebhookSender(_client, new OutboundAuthenticator(new OAuthTokenCache(_client, time)), new PayloadShaperCache(), time);
        Dispatcher = new DeliveryDispatcher(
            stores.Get<IDeliveryStore>(), new WebhookRegistry(stores.Get<IWebhookStore>(), changes), sender, Signal, Options.Create(options), new NoEvents(), time,
            NullLogger<DeliveryDispatcher>.Instance, metrics, RetryJitter.Shared, Ownership);
        Balancer = new PartitionBalancer(
            Leases, Ownership, Dispatcher, Signal, Options.Create(partitions), Options.Create(options), time, NullLogger<PartitionBalancer>.Instance, metrics);
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
        await _stores.DisposeAsync();
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
