using System.Diagnostics;
using System.Globalization;

namespace Herald.LoadTest;

/// <summary>
/// The isolation scenario (issue 5, item 1): in one Herald process, phases with fresh webhooks on a
/// fresh event type. A baseline phase feeds W healthy webhooks N events; a "with hanging" phase feeds
/// the same load to W new healthy webhooks plus one webhook whose receiver path holds every request
/// past the webhook's <c>timeout_seconds</c>. Healthy deliveries/s of the two are compared.
/// </summary>
internal sealed partial class LoadTestRun
{
    private sealed record IsolationPhase(
        int Round,
        bool Hanging,
        double HealthyPerSecond,
        TimeSpan Elapsed,
        DriveResult Publish,
        Percentiles Latency,
        int Duplicates,
        TimeSpan HeraldCpu,
        int HangArrived,
        int HangMaxInFlight,
        int HangAbandoned,
        int HangLeftAfterRelease);

    private async Task<int> RunIsolationAsync(HeraldApi api, LoadReceiver receiver, HeraldNodes herald, RssSampler rss, CancellationToken cancellationToken)
    {
        var hold = TimeSpan.FromSeconds(options.HangTimeoutSeconds + 5);
        await output.WriteLineAsync(
            $"isolation: one Herald process, fresh webhooks and a fresh event type per phase; {options.Rounds} round(s) of baseline (a) and with-hanging (b), ordered a b, b a, …");
        await output.WriteLineAsync(
            $"  hanging webhook: timeout_seconds {options.HangTimeoutSeconds}, its receiver path holds each request {hold.TotalSeconds:F0} s (released when the phase ends)");
        rss.Reset();
        var phases = new List<IsolationPhase>();
        var index = 0;
        for (var round = 1; round <= options.Rounds; round++)
        {
            bool[] order = round % 2 == 1 ? [false, true] : [true, false];
            foreach (var hanging in order)
            {
                var phase = await RunIsolationPhaseAsync(api, receiver, herald, round, index++, hanging, hold, cancellationToken);
                phases.Add(phase);
                PrintPhase(phase);
                await Task.Delay(1000, cancellationToken);
            }
        }

        var baseline = phases.Where(p => !p.Hanging).Average(p => p.HealthyPerSecond);
        var withHanging = phases.Where(p => p.Hanging).Average(p => p.HealthyPerSecond);
        var ratio = withHanging / baseline;
        var perRound = phases.GroupBy(p => p.Round).Select(g =>
            (g.Single(p => p.Hanging).HealthyPerSecond / g.Single(p => !p.Hanging).HealthyPerSecond).ToString("F2", CultureInfo.InvariantCulture));
        var peak = herald.PeakRssBytes() / (1024.0 * 1024);
        await output.WriteLineAsync();
        await output.WriteLineAsync("Isolation");
        await output.WriteLineAsync($"  baseline       {baseline,8:N0} healthy deliveries/s  (mean of {phases.Count(p => !p.Hanging)} phase(s))");
        await output.WriteLineAsync($"  with hanging   {withHanging,8:N0} healthy deliveries/s  (mean of {phases.Count(p => p.Hanging)} phase(s))");
        await output.WriteLineAsync($"  isolation ratio = with_hanging ÷ baseline = {withHanging:N0} ÷ {baseline:N0} = {ratio:F2}  (per round: {string.Join(", ", perRound)})");
        await output.WriteLineAsync($"  hanging path   at most {phases.Where(p => p.Hanging).Max(p => p.HangMaxInFlight)} request(s) held at once; {phases.Where(p => p.Hanging).Sum(p => p.HangArrived):N0} arrived, {phases.Where(p => p.Hanging).Sum(p => p.HangAbandoned):N0} abandoned by Herald (timed out)");
        await output.WriteLineAsync($"  Herald RSS     peak {peak:F0} MB (VmHWM, whole life); {rss.Max / (1024.0 * 1024):F0} MB most sampled while measuring");
        await output.WriteLineAsync();
        await output.WriteLineAsync($"after: {MachineProbe.Load()}");
        await output.WriteLineAsync();
        await output.WriteLineAsync(options.Quick ? "Targets (issue 5; they are set for the full scenario, this was a quick run)" : "Targets (issue 5)");
        await output.WriteLineAsync($"  {"isolation ratio ≥ 0.9",-26} {ratio.ToString("F2", CultureInfo.InvariantCulture),-16} {(ratio >= 0.9 ? "met" : "NOT MET")}");
        await output.WriteLineAsync($"  {"peak RSS ≤ 300 MB",-26} {$"{peak:F0} MB",-16} {(peak <= 300 ? "met" : "NOT MET")}");
        return 0;
    }

    private async Task<IsolationPhase> RunIsolationPhaseAsync(
        HeraldApi api, LoadReceiver receiver, HeraldNodes herald, int round, int index, bool hanging, TimeSpan hold, CancellationToken cancellationToken)
    {
        var eventType = $"iso-{index}";
        var route = $"i{index}";
        var tally = new ReceiveTally(options.Webhooks, options.Events, options.ExpectedDeliveries);
        receiver.Route(route, tally);
        using var hang = new HangingRoute(hold);
        var ids = new List<string>(options.Webhooks + 1);
        try
        {
            for (var i = 0; i < options.Webhooks; i++)
            {
                ids.Add(await api.CreateWebhookAsync($"iso-{index}-{i}", receiver.Url(route, i), eventType, cancellationToken));
            }

            if (hanging)
            {
                receiver.Hang($"g{index}", hang);
                ids.Add(await api.CreateWebhookAsync($"iso-{index}-hanging", receiver.Url($"g{index}", 0), eventType, options.HangTimeoutSeconds, cancellationToken));
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.Timeout);
            var cpu0 = herald.CpuTime();
            var units = (options.Events + options.Batch - 1) / options.Batch;
            var publish = await LoadDriver.RunClosedAsync(
                units,
                options.Publishers,
                (unit, ct) => api.PublishAsync(EventBodies.Batch(eventType, unit * options.Batch, Math.Min(options.Batch, options.Events - (unit * options.Batch))), ct),
                deadline.Token);
            if (publish.Failures > 0)
            {
                throw new InvalidOperationException($"publishing failed ({publish.Failures}): {publish.FirstError}");
            }

            try
            {
                await WaitForAsync(tally, herald, options.Timeout, deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"only {tally.Unique:N0} of {tally.Expected:N0} healthy deliveries arrived within {options.Timeout.TotalSeconds:F0} s");
            }

            var cpu = herald.CpuTime() - cpu0;
            var elapsed = Stopwatch.GetElapsedTime(publish.StartTicks, Math.Max(tally.LastTicks, publish.EndTicks));
            var arrived = hang.Arrived;
            var maxInFlight = hang.MaxInFlight;
            var abandoned = hang.Abandoned;

            // End of phase: answer the held requests, stop the webhooks (deleting cancels their
            // pending deliveries) and wait, bounded, until nothing is held any more.
            hang.Release();
            foreach (var id in ids)
            {
                await api.DeleteWebhookAsync(id, cancellationToken);
            }

            ids.Clear();
            var drained = Stopwatch.StartNew();
            while (hang.InFlight > 0 && drained.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(100, cancellationToken);
            }

            return new IsolationPhase(
                round, hanging, tally.Unique / elapsed.TotalSeconds, elapsed, publish, tally.Latency(), tally.Duplicates, cpu,
                arrived, maxInFlight, abandoned, hang.InFlight);
        }
        finally
        {
            hang.Release();
            foreach (var id in ids)
            {
                try
                {
                    await api.DeleteWebhookAsync(id, CancellationToken.None);
                }
                catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TaskCanceledException)
                {
                    // Herald is killed with its database when the run unwinds.
                }
            }
        }
    }

    private void PrintPhase(IsolationPhase p)
    {
        var label = p.Hanging ? $"round {p.Round} b (with hanging)" : $"round {p.Round} a (baseline)    ";
        output.WriteLine(
            $"  {label}  healthy {options.ExpectedDeliveries:N0} in {p.Elapsed.TotalSeconds:F2} s = {p.HealthyPerSecond:N0} deliveries/s; publish {options.Events / p.Publish.Elapsed.TotalSeconds:N0} events/s; latency p50 {p.Latency.P50:F0} ms, p99 {p.Latency.P99:F0} ms; duplicates {p.Duplicates}; Herald CPU {p.HeraldCpu.TotalSeconds / p.Elapsed.TotalSeconds:F2} cores");
        if (p.Hanging)
        {
            output.WriteLine(
                $"      hanging path: {p.HangArrived:N0} request(s) arrived, at most {p.HangMaxInFlight} held at once, {p.HangAbandoned:N0} abandoned by Herald (timed out); {p.HangLeftAfterRelease} still held after release");
        }
    }
}
