using System.Diagnostics;

namespace Herald.LoadTest;

/// <summary>
/// The definitions scenario (issue 15, item 3): W webhooks (100,000) spread over D domains (1,000),
/// created through the API by P concurrent clients; then, one request at a time, creates, edits and
/// deletes (each N times) and list pages (iconik's numbered pages and Herald's cursor pages); the
/// resident set; and Herald stopped and started again on the same database, timed to ready.
/// Matching one event against the definitions is measured in-process by Herald.Benchmarks
/// (<c>MatchingBenchmarks</c>), not here: over HTTP it would be lost in the request's own cost.
/// </summary>
internal sealed partial class LoadTestRun
{
    private const double DefinitionWriteP99TargetMs = 10;
    private const double ListPageTargetMs = 20;
    private const double StartupTargetSeconds = 10;

    private async Task<int> RunDefinitionsAsync(HeraldProcess herald, RssSampler rss, CancellationToken cancellationToken)
    {
        using var api = new DefinitionsApi(herald);
        var total = options.Webhooks;
        var domains = options.Domains;
        await output.WriteLineAsync($"definitions: {total:N0} webhooks over {domains:N0} domains, created by {options.Publishers} concurrent clients; then {options.Events:N0} each of create / edit / delete, one at a time");

        // Loading: the first 10,000 on their own (the figure issue 15 quotes), then the rest.
        var ids = new string[total];
        var first = Math.Min(10_000, total);
        var loadFirst = await LoadDefinitionsAsync(api, ids, 0, first, cancellationToken);
        await output.WriteLineAsync($"  loaded {first,7:N0} webhooks in {loadFirst.Elapsed.TotalSeconds:F1} s = {first / loadFirst.Elapsed.TotalSeconds:N0}/s  (create ms: p50 {loadFirst.RequestMs.P50:F1}, p99 {loadFirst.RequestMs.P99:F1}, max {loadFirst.RequestMs.Max:F1})");
        var loadRest = await LoadDefinitionsAsync(api, ids, first, total - first, cancellationToken);
        if (loadFirst.Failures + loadRest.Failures > 0)
        {
            await output.WriteLineAsync($"FAILED: {loadFirst.Failures + loadRest.Failures} create(s) failed; first: {loadFirst.FirstError ?? loadRest.FirstError}");
            return 1;
        }

        var loadElapsed = loadFirst.Elapsed + loadRest.Elapsed;
        if (total > first)
        {
            await output.WriteLineAsync($"  loaded {total,7:N0} webhooks in {loadElapsed.TotalSeconds:F1} s = {total / loadElapsed.TotalSeconds:N0}/s  (last {total - first:N0}: create ms p50 {loadRest.RequestMs.P50:F1}, p99 {loadRest.RequestMs.P99:F1}, max {loadRest.RequestMs.Max:F1})");
        }

        var loadedRss = herald.RssBytes();
        var loadPeak = herald.PeakRssBytes();

        // One request at a time: latency, not throughput.
        var random = new Random(15);
        var created = new string[options.Events];
        var create = await TimeEachAsync(options.Events, async (i, ct) => created[i] = await api.CreateAsync(DefinitionsApi.Definition(total + i, domains), ct), cancellationToken);
        var edit = await TimeEachAsync(options.Events, (i, ct) => api.RenameAsync(ids[random.Next(total)], $"renamed {i}", ct), cancellationToken);
        var delete = await TimeEachAsync(options.Events, (i, ct) => api.DeleteAsync(created[i], ct), cancellationToken);

        var tenantKey = await api.CreateDomainKeyAsync(DefinitionsApi.Domain(domains / 2), cancellationToken);
        var pages = (total + 99) / 100;
        var iconikAdmin = await TimeEachAsync(options.ListPages, (_, ct) => api.IconikPageAsync(api.AdminKey, random.Next(1, pages + 1), 100, ct), cancellationToken);
        var iconikTenant = await TimeEachAsync(options.ListPages, (_, ct) => api.IconikPageAsync(tenantKey, 1, 100, ct), cancellationToken);
        string? cursor = null;
        var heraldList = await TimeEachAsync(options.ListPages, async (_, ct) => cursor = await api.HeraldPageAsync(cursor, 100, ct), cancellationToken);
        var (lastObjects, lastTotal) = await api.IconikPageAsync(api.AdminKey, pages, 100, cancellationToken);
        var steadyRss = herald.RssBytes();

        // Restart on the same database: SIGTERM, wait for the exit, start, time to /readyz.
        var startup = await herald.RestartAsync(cancellationToken);
        var readyRss = herald.RssBytes();
        await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
        var restartedRss = herald.RssBytes();
        var restartedPeak = herald.PeakRssBytes();
        var (afterRestartObjects, afterRestartTotal) = await api.IconikPageAsync(api.AdminKey, 1, 100, cancellationToken);

        const double MiB = 1024 * 1024;
        await output.WriteLineAsync();
        await output.WriteLineAsync("Definitions");
        await output.WriteLineAsync($"  create       {Line(create)}");
        await output.WriteLineAsync($"  edit         {Line(edit)}  (PATCH name of a random webhook)");
        await output.WriteLineAsync($"  delete       {Line(delete)}");
        await output.WriteLineAsync($"  iconik page  {Line(iconikAdmin)}  (admin: random page of {pages:N0}, per_page 100; last page {lastObjects} objects, total {lastTotal:N0})");
        await output.WriteLineAsync($"  iconik page  {Line(iconikTenant)}  (domain key: page 1 of its domain, per_page 100)");
        await output.WriteLineAsync($"  Herald page  {Line(heraldList)}  (admin: limit 100, following the cursor)");
        await output.WriteLineAsync($"  start-up     {startup.TotalSeconds:F2} s from process start to /readyz 200 with {afterRestartTotal:N0} webhooks ({afterRestartObjects} on the first page after it)");
        await output.WriteLineAsync($"  RSS          after loading {loadedRss / MiB:F0} MB (peak {loadPeak / MiB:F0}), after the measured calls {steadyRss / MiB:F0} MB; restarted: {readyRss / MiB:F0} MB at ready, {restartedRss / MiB:F0} MB 10 s later, peak {restartedPeak / MiB:F0} MB");
        await output.WriteLineAsync($"  sampled RSS  max {rss.Max / MiB:F0} MB over the run");

        var peakRss = Math.Max(loadPeak, restartedPeak) / MiB;
        var worstWrite = Math.Max(create.P99, Math.Max(edit.P99, delete.P99));
        var worstPage = Math.Max(iconikAdmin.P99, iconikTenant.P99);
        await output.WriteLineAsync();
        await output.WriteLineAsync("Targets (issue 15)");
        await output.WriteLineAsync($"  create / edit / delete p99 ≤ {DefinitionWriteP99TargetMs} ms   {worstWrite,8:F2} ms  {Verdict(worstWrite <= DefinitionWriteP99TargetMs)}");
        await output.WriteLineAsync($"  iconik list page p99 ≤ {ListPageTargetMs} ms          {worstPage,8:F2} ms  {Verdict(worstPage <= ListPageTargetMs)}");
        await output.WriteLineAsync($"  start-up to ready ≤ {StartupTargetSeconds} s               {startup.TotalSeconds,8:F2} s   {Verdict(startup.TotalSeconds <= StartupTargetSeconds)}");
        await output.WriteLineAsync($"  peak RSS ≤ 300 MB                   {peakRss,8:F0} MB  {Verdict(peakRss <= 300)}");
        await output.WriteLineAsync("  matching one event ≤ 50 µs          see Herald.Benchmarks MatchingBenchmarks (in-process)");
        return 0;

        static string Line(Percentiles p) => $"p50 {p.P50,6:F2} ms  p99 {p.P99,6:F2} ms  max {p.Max,7:F2} ms  ({p.Count:N0} calls)";

        static string Verdict(bool met) => met ? "met" : "NOT MET";
    }

    private async Task<DriveResult> LoadDefinitionsAsync(DefinitionsApi api, string[] ids, int from, int count, CancellationToken cancellationToken)
    {
        var done = 0;
        using var progress = new CancellationTokenSource();
        var reporting = Task.Run(
            async () =>
            {
                var clock = Stopwatch.StartNew();
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
                while (await timer.WaitForNextTickAsync(progress.Token))
                {
                    await output.WriteLineAsync($"  {clock.Elapsed.TotalSeconds,5:F0} s  created {from + Volatile.Read(ref done),9:N0}/{options.Webhooks:N0}");
                }
            },
            CancellationToken.None);
        try
        {
            return await LoadDriver.RunClosedAsync(
                count,
                options.Publishers,
                async (unit, ct) =>
                {
                    ids[from + unit] = await api.CreateAsync(DefinitionsApi.Definition(from + unit, options.Domains), ct);
                    Interlocked.Increment(ref done);
                },
                cancellationToken);
        }
        finally
        {
            await progress.CancelAsync();
            await reporting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Runs <paramref name="count"/> calls one after another; each call's duration in ms. Any failure ends the run.</summary>
    private static async Task<Percentiles> TimeEachAsync(int count, Func<int, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        var durations = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await call(i, cancellationToken);
            durations.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return Percentiles.Of(durations);
    }
}
