using System.Runtime.InteropServices;

namespace Herald.LoadTest;

/// <summary>Prints a run's figures and checks them against the targets of issue 5.</summary>
internal static class Report
{
    private const double MiB = 1024 * 1024;
    private const double RssLimitMiB = 300;

    public static void Header(TextWriter output, LoadTestOptions options, string serverDll)
    {
        output.WriteLine($"Herald load test: scenario {options.Scenario.ToString().ToLowerInvariant()}{(options.Quick ? " (quick)" : string.Empty)}");
        output.WriteLine($"  machine    {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        output.WriteLine($"  server     {serverDll}");
        var fsync = MachineProbe.Fsync(Path.GetTempPath());
        output.WriteLine($"  disk       4 KiB write + fsync in {Path.GetTempPath()}: p50 {fsync.P50:F2} ms, p99 {fsync.P99:F2} ms");
        output.WriteLine($"  before     {MachineProbe.Load()}");
        var pacing = options.Rate > 0 ? $"paced at {options.Rate:N0} events/s, at most {options.Publishers} requests in flight" : $"{options.Publishers} concurrent publishers";
        output.WriteLine($"  load       {options.Webhooks} webhook(s) × {options.Events:N0} events of ~{EventBodies.TargetBytes} B, {options.Batch} per request, {pacing}");
        output.WriteLine($"  timeout    {options.Timeout.TotalSeconds:F0} s");
        output.WriteLine(options.Database is null
            ? "  store      SQLite, a fresh file, one Herald process"
            : $"  store      PostgreSQL ({Redacted(options.Database)}), a fresh database, {options.Nodes} Herald node(s), publishes spread over them in turn");
        foreach (var (name, value) in options.HeraldEnvironment)
        {
            output.WriteLine($"  Herald env {name}={value}");
        }
    }

    public static void Herald(TextWriter output, LoadTestOptions options, HeraldFigures f, int strays)
    {
        var publish = f.Publish;
        output.WriteLine();
        output.WriteLine("Herald");
        output.WriteLine($"  ingested     {f.Events,9:N0} events in {publish.Elapsed.TotalSeconds:F2} s = {f.EventsPerSecond:N0} events/s  (publish request ms: p50 {publish.RequestMs.P50:F1}, p99 {publish.RequestMs.P99:F1}, max {publish.RequestMs.Max:F1})");
        if (options.Rate > 0)
        {
            output.WriteLine($"  pacing       {publish.Late:N0} request(s) started late because {options.Publishers} were still in flight");
        }

        if (f.Tally.Expected > 0)
        {
            output.WriteLine($"  delivered    {f.Tally.Unique,9:N0} of {f.Tally.Expected:N0} in {f.DeliveryElapsed.TotalSeconds:F2} s = {f.DeliveriesPerSecond:N0} deliveries/s  (first publish → last receipt; {f.DrainAfterPublish.TotalSeconds:F2} s of it after the last publish)");
            var latency = f.Tally.Latency();
            output.WriteLine($"  latency      p50 {latency.P50:F1} ms, p95 {latency.P95:F1} ms, p99 {latency.P99:F1} ms, max {latency.Max:F1} ms  (publish → receiver)");
            output.WriteLine($"  duplicates   {f.Tally.Duplicates:N0}, unexpected {f.Tally.Unexpected + strays:N0}");
        }

        var publishing = publish.Elapsed.TotalSeconds;
        var draining = f.DrainAfterPublish.TotalSeconds;
        output.WriteLine($"  Herald CPU   {f.HeraldCpuPublishing.TotalSeconds:F1} s while publishing ({Cores(f.HeraldCpuPublishing, publishing)} cores), {f.HeraldCpuDraining.TotalSeconds:F1} s after ({Cores(f.HeraldCpuDraining, draining)} cores); load test process {f.LoadTestCpu.TotalSeconds:F1} s ({Cores(f.LoadTestCpu, publishing + draining)} cores)");
        var perDelivery = f.Tally.Expected > 0 ? $", {(f.HeraldCpuPublishing + f.HeraldCpuDraining).TotalMicroseconds / f.Tally.Expected:F0} µs per delivery" : string.Empty;
        output.WriteLine($"  CPU cost     Herald {f.CpuMicrosecondsPerEvent:F0} µs per event{perDelivery} (all of its CPU in the phase)");
        if (f.NodeCpu.Count > 1 && f.Tally.Expected > 0)
        {
            var nodes = f.NodeCpu.Select((cpu, i) => $"node {i + 1} {cpu.TotalSeconds:F1} s = {cpu.TotalMicroseconds / f.Tally.Expected:F0} µs");
            output.WriteLine($"  per node     {string.Join("; ", nodes)} per delivery (each node's CPU over all deliveries; they add up to the line above)");
        }

        if (f.DatabaseServerCpu is { } server && f.Tally.Expected > 0)
        {
            output.WriteLine($"  PostgreSQL   server CPU {server.TotalSeconds:F1} s = {server.TotalMicroseconds / f.Tally.Expected:F0} µs per delivery (every process of the instance)");
        }

        var busiest = f.HeraldThreads.Take(4).Select(g => $"{g.Name} {g.Seconds:F1} s ({g.Threads} thread{(g.Threads == 1 ? string.Empty : "s")}{(g.Threads > 1 ? $", busiest {g.BusiestSeconds:F1} s" : string.Empty)})");
        output.WriteLine($"  by thread    {string.Join("; ", busiest)}");
        output.WriteLine($"  run queue    Herald's threads spent {f.HeraldThreads.Sum(g => g.WaitingSeconds):F1} s runnable but waiting for a core (other processes, incl. this one, had it)");
        output.WriteLine($"  Herald RSS   peak {f.PeakRssBytes / MiB:F0} MB (VmHWM, whole life); {f.PhaseMaxRssBytes / MiB:F0} MB most sampled while measuring");
        output.WriteLine($"  database     {f.DatabaseBytes.Database / MiB:F0} MB, WAL {f.DatabaseBytes.Wal / MiB:F0} MB");
    }

    public static void Raw(TextWriter output, LoadTestOptions options, HeraldFigures f, RawFigures raw)
    {
        output.WriteLine();
        output.WriteLine($"Raw ceiling: plain HttpClient POSTs of the same bodies to the same receiver, {raw.Concurrency} in flight, no storage");
        output.WriteLine($"  raw          {raw.Requests,9:N0} POSTs in {raw.Elapsed.TotalSeconds:F2} s = {raw.PerSecond:N0}/s  (latency p50 {raw.Latency.P50:F1} ms, p99 {raw.Latency.P99:F1} ms under that load)");
        output.WriteLine($"  CPU cost     {raw.CpuMicrosecondsPerRequest:F0} µs per request, client and receiver together");
        if (raw.PacedLatency is { } paced)
        {
            output.WriteLine($"  raw paced    {paced.Count:N0} POSTs at the same rate: latency p50 {paced.P50:F2} ms, p95 {paced.P95:F2} ms, p99 {paced.P99:F2} ms");
        }

        output.WriteLine(options.Rate > 0
            ? $"  ratio        not reported: a paced run delivers at the rate it publishes ({f.DeliveriesPerSecond:N0}/s against a ceiling of {raw.PerSecond:N0}/s)"
            : $"  ratio = delivered/s ÷ raw/s = {f.DeliveriesPerSecond:N0} ÷ {raw.PerSecond:N0} = {Ratio(f, raw):F2}");
    }

    public static void Targets(TextWriter output, LoadTestOptions options, HeraldFigures f, RawFigures? raw)
    {
        output.WriteLine();
        output.WriteLine($"after: {MachineProbe.Load()}");
        var checks = new List<(string Target, string Actual, bool Met)>();
        switch (options.Scenario)
        {
            case Scenario.Single or Scenario.Fanout when raw is not null:
                var ratio = Ratio(f, raw);
                checks.Add(("ratio ≥ 0.5", $"{ratio:F2}", ratio >= 0.5));
                break;
            case Scenario.Ingest:
                checks.Add(("ingest ≥ 20,000 events/s", $"{f.EventsPerSecond:N0} events/s", f.EventsPerSecond >= 20_000));
                break;
            case Scenario.Steady:
                var latency = f.Tally.Latency();
                checks.Add(("p50 ≤ 5 ms", $"{latency.P50:F1} ms", latency.P50 <= 5));
                checks.Add(("p99 ≤ 50 ms", $"{latency.P99:F1} ms", latency.P99 <= 50));
                break;
        }

        var peak = f.PeakRssBytes / MiB;
        checks.Add(($"peak RSS ≤ {RssLimitMiB:F0} MB", $"{peak:F0} MB", peak <= RssLimitMiB));
        output.WriteLine();
        output.WriteLine(options.Quick ? "Targets (issue 5; they are set for the full scenario, this was a quick run)" : "Targets (issue 5)");
        foreach (var (target, actual, met) in checks)
        {
            output.WriteLine($"  {target,-26} {actual,-16} {(met ? "met" : "NOT MET")}");
        }
    }

    /// <summary>One line per run, for scripts that put several runs side by side (bench/cluster-compare.sh).</summary>
    public static void Summary(TextWriter output, LoadTestOptions options, HeraldFigures f, RawFigures? raw)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var nodes = string.Join('/', f.NodeCpu.Select(c => (f.Tally.Expected == 0 ? 0 : c.TotalMicroseconds / f.Tally.Expected).ToString("F0", inv)));
        var server = f.DatabaseServerCpu is { } cpu && f.Tally.Expected > 0 ? (cpu.TotalMicroseconds / f.Tally.Expected).ToString("F0", inv) : "-";
        output.WriteLine();
        output.WriteLine(string.Create(
            inv,
            $"SUMMARY scenario={options.Scenario.ToString().ToLowerInvariant()} store={(options.Database is null ? "sqlite" : "postgres")} nodes={options.Nodes} deliveries={f.Tally.Unique} deliveries_per_s={f.DeliveriesPerSecond:F0} raw_per_s={(raw is null ? "-" : raw.PerSecond.ToString("F0", inv))} ratio={(raw is null ? "-" : Ratio(f, raw).ToString("F2", inv))} herald_cpu_us_per_delivery={f.CpuMicrosecondsPerDelivery:F0} per_node_us={nodes} pg_server_cpu_us_per_delivery={server} duplicates={f.Tally.Duplicates} peak_rss_mb={f.PeakRssBytes / MiB:F0}"));
    }

    /// <summary>The connection string without its password.</summary>
    private static string Redacted(string connectionString) =>
        string.Join(';', connectionString.Split(';').Where(p => !p.TrimStart().StartsWith("Password", StringComparison.OrdinalIgnoreCase) && !p.TrimStart().StartsWith("Pwd", StringComparison.OrdinalIgnoreCase)));

    private static double Ratio(HeraldFigures f, RawFigures raw) => f.DeliveriesPerSecond / raw.PerSecond;

    private static string Cores(TimeSpan cpu, double seconds) => seconds <= 0 ? "-" : (cpu.TotalSeconds / seconds).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
}
