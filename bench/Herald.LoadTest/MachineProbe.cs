using System.Diagnostics;

namespace Herald.LoadTest;

/// <summary>
/// What the machine was doing around the run: load average, CPU pressure (other processes wanting
/// the cores), and how long an fsync takes where Herald's database lives — SQLite with
/// synchronous=FULL waits for one per group commit.
/// </summary>
internal static class MachineProbe
{
    public static string Load()
    {
        var load = ReadFirstLine("/proc/loadavg")?.Split(' ').Take(3) is { } parts ? string.Join(' ', parts) : "?";
        var pressure = ReadFirstLine("/proc/pressure/cpu") is { } line && line.Split(' ').FirstOrDefault(p => p.StartsWith("avg60=", StringComparison.Ordinal)) is { } avg
            ? $", CPU pressure {avg[6..]} % (avg60: share of time some runnable task waited for a core)"
            : string.Empty;
        return $"load average {load}{pressure}";
    }

    /// <summary>Median and 99th-percentile time of 4 KiB write + fsync, 100 times, in <paramref name="directory"/>.</summary>
    public static Percentiles Fsync(string directory)
    {
        var path = Path.Combine(directory, $"herald-load-fsync-{Guid.NewGuid():N}");
        var block = new byte[4096];
        var times = new List<double>(100);
        try
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            for (var i = 0; i < 100; i++)
            {
                var started = Stopwatch.GetTimestamp();
                file.Write(block);
                file.Flush(flushToDisk: true);
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        finally
        {
            File.Delete(path);
        }

        return Percentiles.Of(times);
    }

    private static string? ReadFirstLine(string path)
    {
        try
        {
            return File.ReadLines(path).FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
