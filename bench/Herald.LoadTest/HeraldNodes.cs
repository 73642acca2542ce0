using System.Globalization;

namespace Herald.LoadTest;

/// <summary>
/// The Herald processes of a run: one on SQLite, or <c>--nodes</c> on one PostgreSQL database. CPU
/// and resident set are summed over the nodes (CPU per delivery is the cluster's), the peak is the
/// largest node's, and any node that exits fails the run.
/// </summary>
internal sealed class HeraldNodes : IAsyncDisposable
{
    private readonly List<HeraldProcess> _nodes;

    private HeraldNodes(List<HeraldProcess> nodes) => _nodes = nodes;

    public IReadOnlyList<HeraldProcess> Nodes => _nodes;

    public int Count => _nodes.Count;

    public IEnumerable<int> Ids => _nodes.Select(n => n.Id);

    public bool HasExited => _nodes.Any(n => n.HasExited);

    public string RecentOutput => string.Join(
        Environment.NewLine,
        _nodes.Select((n, i) => $"--- node {i + 1} (pid {n.Id.ToString(CultureInfo.InvariantCulture)}){(n.HasExited ? ", exited" : string.Empty)}:{Environment.NewLine}{n.RecentOutput}"));

    /// <summary>
    /// Starts the nodes one after another (the first runs the migrations and creates the Data
    /// Protection key the others then load), each ready before the next starts.
    /// </summary>
    public static async Task<HeraldNodes> StartAsync(
        string serverDll, string? database, int count, IEnumerable<KeyValuePair<string, string>> environment, Action<HeraldNodes> started, CancellationToken cancellationToken)
    {
        var adminKey = $"hk_load_{Guid.NewGuid():N}";
        var nodes = new HeraldNodes([]);
        started(nodes);
        try
        {
            for (var i = 0; i < count; i++)
            {
                nodes._nodes.Add(await HeraldProcess.StartAsync(serverDll, database, adminKey, environment, cancellationToken));
            }

            return nodes;
        }
        catch
        {
            await nodes.DisposeAsync();
            throw;
        }
    }

    /// <summary>The nodes' CPU time together.</summary>
    public TimeSpan CpuTime() => _nodes.Aggregate(TimeSpan.Zero, (sum, n) => sum + n.CpuTime());

    /// <summary>Each node's CPU time, in node order.</summary>
    public TimeSpan[] CpuTimes() => _nodes.Select(n => n.CpuTime()).ToArray();

    /// <summary>Resident sets now, summed over the nodes.</summary>
    public long RssBytes() => _nodes.Sum(n => n.RssBytes());

    /// <summary>The largest node's peak resident set.</summary>
    public long PeakRssBytes() => _nodes.Count == 0 ? 0 : _nodes.Max(n => n.PeakRssBytes());

    public (long Database, long Wal) DatabaseBytes() => _nodes.Count == 0 ? (0, 0) : _nodes[0].DatabaseBytes();

    public ThreadCpu ThreadSnapshot() => ThreadCpu.Snapshot(Ids);

    /// <summary>For a process that is exiting anyway: kill every node and remove its directory.</summary>
    public void KillAndDelete()
    {
        foreach (var node in _nodes.ToArray())
        {
            node.KillAndDelete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }
}
