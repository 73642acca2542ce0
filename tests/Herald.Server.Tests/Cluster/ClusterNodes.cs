using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Cluster;

/// <summary>
/// Herald nodes as operators run a cluster: separate processes on one PostgreSQL database, each on
/// its own loopback port. They start one after another (the first migrates and creates the Data
/// Protection key the others load), each ready before the next.
/// </summary>
public sealed class ClusterNodes : IAsyncDisposable
{
    private readonly List<HeraldProcess> _nodes = [];

    private ClusterNodes(ClusterDatabase database) => Database = database;

    public ClusterDatabase Database { get; }

    public HeraldProcess this[int index] => _nodes[index];

    public IReadOnlyList<HeraldProcess> All => _nodes;

    public static async Task<ClusterNodes> StartAsync(int count, IDictionary<string, string>? environment = null)
    {
        var cluster = new ClusterNodes(await ClusterDatabase.CreateAsync());
        try
        {
            for (var i = 0; i < count; i++)
            {
                await cluster.AddNodeAsync(environment);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>One more node on the same database.</summary>
    public async Task<HeraldProcess> AddNodeAsync(IDictionary<string, string>? environment = null)
    {
        var node = await HeraldProcess.StartAsync(Database.ConnectionString, environment: environment);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Every node's output, for a failing assertion's message.</summary>
    public string Output => string.Join(
        Environment.NewLine,
        _nodes.Select((n, i) => $"--- node {i} (pid {n.Id}){(n.HasExited ? ", exited" : string.Empty)}:{Environment.NewLine}{n.Output}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }

        await Database.DisposeAsync();
    }
}
