using System.Diagnostics;
using System.Net.Http.Json;

namespace Herald.LoadTest;

/// <summary>
/// The backlog scenario: a million pending deliveries held on a paused webhook must cost the rest
/// nothing. A second webhook takes a steady stream meanwhile (its publish→receiver latency and
/// Herald's RSS are what count); then the paused one is resumed and drains.
/// </summary>
internal sealed partial class LoadTestRun
{
    /// <summary>Events per publish request while building the backlog (~850 KiB, under the 1 MiB body limit).</summary>
    private const int BacklogBatch = 800;

    private async Task<int> RunBacklogAsync(HeraldApi api, LoadReceiver receiver, HeraldNodes herald, RssSampler rss, CancellationToken cancellationToken)
    {
        const string BacklogType = "backlog";
        var backlog = options.Backlog;
        var drainTally = new ReceiveTally(1, backlog, backlog);
        receiver.Route("b", drainTally);
        var paused = await api.CreateWebhookAsync("load-backlog", receiver.Url("b", 0), BacklogType, status: "PAUSED", cancellationToken);

        // 1. The backlog, published flat out in large requests; every delivery is held.
        var units = (backlog + BacklogBatch - 1) / BacklogBatch;
        var cpu0 = herald.CpuTime();
        var build = await LoadDriver.RunClosedAsync(
            units,
            options.Publishers,
            (unit, ct) => api.PublishAsync(EventBodies.Batch(BacklogType, unit * BacklogBatch, Math.Min(BacklogBatch, backlog - (unit * BacklogBatch))), ct),
            cancellationToken);
        if (build.Failures > 0)
        {
            await output.WriteLineAsync($"FAILED: building the backlog: {build.Failures} publish request(s) failed; first: {build.FirstError}");
            return 1;
        }

        var (database, wal) = herald.DatabaseBytes();
        await output.WriteLineAsync(
            $"backlog: {backlog:N0} events published in {build.Elapsed.TotalSeconds:F1} s ({backlog / build.Elapsed.TotalSeconds:N0} events/s, Herald CPU {(herald.CpuTime() - cpu0).TotalSeconds:F1} s), held on a paused webhook; database {database / 1048576.0:N0} MB + WAL {wal / 1048576.0:N0} MB; Herald RSS {rss.Current / 1048576.0:F0} MB");

        // 2. A steady stream to a second webhook while the backlog is held.
        await api.CreateWebhookAsync("load-steady", receiver.Url("h", 0), EventBodies.EventType, cancellationToken);
        var steadyTally = new ReceiveTally(1, options.Events, options.Events);
        receiver.Route("h", steadyTally);
        rss.Reset();
        var cpu1 = herald.CpuTime();
        var steady = await LoadDriver.RunPacedAsync(
            options.Events,
            options.Rate,
            options.Publishers,
            (unit, ct) => api.PublishAsync(EventBodies.Batch(EventBodies.EventType, unit, 1), ct),
            cancellationToken);
        await WaitForAsync(steadyTally, herald, TimeSpan.FromSeconds(60), cancellationToken);
        var steadyCpu = herald.CpuTime() - cpu1;
        var latency = steadyTally.Latency();
        var steadyRss = rss.Max / 1048576.0;
        await output.WriteLineAsync(
            $"steady beside the backlog: {options.Events:N0} events at {options.Rate:N0}/s ({steady.Failures} failed, {steady.Late} sent late); publish→receiver p50 {latency.P50:F1} ms, p95 {latency.P95:F1} ms, p99 {latency.P99:F1} ms, max {latency.Max:F1} ms; Herald CPU {steadyCpu.TotalMicroseconds / options.Events:F0} µs per delivery ({steadyCpu.TotalSeconds / steady.Elapsed.TotalSeconds:F2} cores); RSS max {steadyRss:F0} MB");

        // 3. Resume: the held backlog drains.
        rss.Reset();
        var cpu2 = herald.CpuTime();
        var resumed = Stopwatch.GetTimestamp();
        await api.SetWebhookStatusAsync(paused, "ENABLED", cancellationToken);
        using var progress = new CancellationTokenSource();
        var reporting = ReportProgressAsync(() => backlog, drainTally, rss, progress.Token);
        try
        {
            await WaitForAsync(drainTally, herald, options.Timeout, cancellationToken);
        }
        finally
        {
            await progress.CancelAsync();
            await reporting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var drained = Stopwatch.GetElapsedTime(resumed, drainTally.LastTicks);
        var drainCpu = herald.CpuTime() - cpu2;
        await output.WriteLineAsync(
            $"drain after resuming: {drainTally.Unique:N0} deliveries in {drained.TotalSeconds:F1} s = {drainTally.Unique / drained.TotalSeconds:N0} deliveries/s ({drainTally.Duplicates} duplicates); Herald CPU {drainCpu.TotalMicroseconds / backlog:F0} µs per delivery; RSS max {rss.Max / 1048576.0:F0} MB; peak RSS over the run {herald.PeakRssBytes() / 1048576.0:F0} MB");

        await output.WriteLineAsync();
        await output.WriteLineAsync($"after: {MachineProbe.Load()}");
        await output.WriteLineAsync("Targets (issue 15)");
        await output.WriteLineAsync($"  {"steady p99 ≤ 50 ms",-26} {latency.P99,8:F1} ms      {(latency.P99 <= 50 ? "met" : "NOT MET")}");
        await output.WriteLineAsync($"  {"RSS ≤ 300 MB (steady)",-26} {steadyRss,8:F0} MB      {(steadyRss <= 300 ? "met" : "NOT MET")}");
        return 0;
    }
}
