using System.Globalization;

namespace Herald.LoadTest;

/// <summary>
/// Per-thread scheduler figures of a process, from <c>/proc/&lt;pid&gt;/task/*/schedstat</c>: time on a
/// core and time runnable but waiting for one. The difference of two snapshots, grouped by thread
/// name, shows where a phase's CPU went, whether one thread was busy all along, and how much the
/// process was held back by other processes wanting the same cores.
/// </summary>
internal sealed class ThreadCpu
{
    private readonly Dictionary<int, ThreadTimes> _threads;

    private ThreadCpu(Dictionary<int, ThreadTimes> threads) => _threads = threads;

    public static ThreadCpu Snapshot(int pid) => Snapshot([pid]);

    /// <summary>The threads of several processes together (thread ids are unique across the system).</summary>
    public static ThreadCpu Snapshot(IEnumerable<int> pids)
    {
        var threads = new Dictionary<int, ThreadTimes>();
        foreach (var pid in pids)
        {
            Read(pid, threads);
        }

        return new ThreadCpu(threads);
    }

    private static void Read(int pid, Dictionary<int, ThreadTimes> threads)
    {
        try
        {
            foreach (var directory in Directory.EnumerateDirectories($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task"))
            {
                try
                {
                    var name = File.ReadAllText(Path.Combine(directory, "comm")).TrimEnd('\n');
                    var fields = File.ReadAllText(Path.Combine(directory, "schedstat")).Split(' ');
                    var id = int.Parse(Path.GetFileName(directory), CultureInfo.InvariantCulture);
                    threads[id] = new ThreadTimes(name, long.Parse(fields[0], CultureInfo.InvariantCulture), long.Parse(fields[1], CultureInfo.InvariantCulture));
                }
                catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException)
                {
                    // The thread ended while we looked.
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process is gone.
        }
    }

    /// <summary>CPU seconds of the threads whose name starts with <paramref name="prefix"/>.</summary>
    public double Seconds(string prefix) =>
        _threads.Values.Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal)).Sum(t => t.RunNs) / 1e9;

    /// <summary>Thread groups by CPU seconds spent since <paramref name="earlier"/>, busiest first.</summary>
    public IReadOnlyList<ThreadGroupCpu> Since(ThreadCpu earlier) =>
        _threads
            .Select(t => earlier._threads.TryGetValue(t.Key, out var e) ? t.Value.Minus(e) : t.Value)
            .Where(t => t.RunNs > 0 || t.WaitNs > 0)
            .GroupBy(t => t.Name, StringComparer.Ordinal)
            .Select(g => new ThreadGroupCpu(g.Key, g.Count(), g.Sum(t => t.RunNs) / 1e9, g.Max(t => t.RunNs) / 1e9, g.Sum(t => t.WaitNs) / 1e9))
            .OrderByDescending(g => g.Seconds)
            .ToList();

    private readonly record struct ThreadTimes(string Name, long RunNs, long WaitNs)
    {
        public ThreadTimes Minus(ThreadTimes earlier) => this with { RunNs = RunNs - earlier.RunNs, WaitNs = WaitNs - earlier.WaitNs };
    }
}

/// <summary>Threads of one name: how many ran, their CPU seconds together, the busiest one's, and seconds spent runnable but waiting for a core.</summary>
internal sealed record ThreadGroupCpu(string Name, int Threads, double Seconds, double BusiestSeconds, double WaitingSeconds);
