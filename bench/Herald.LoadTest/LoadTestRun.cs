using System.Diagnostics;
using System.Net;

namespace Herald.LoadTest;

/// <summary>One load-test run, start to finish: Herald, receiver, warm-up, measurement, raw ceiling.</summary>
internal sealed partial class LoadTestRun(LoadTestOptions options, TextWriter output, Action<HeraldNodes?> started)
{
    private PostgresDatabase? _postgres;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var dll = HeraldProcess.LocateServerDll(options.ServerDll);
        Report.Header(output, options, dll);
        await using var receiver = await LoadReceiver.StartAsync(cancellationToken);
        await using var postgres = options.Database is { } given ? await PostgresDatabase.CreateAsync(given, cancellationToken) : null;
        _postgres = postgres;
        if (postgres is not null)
        {
            await output.WriteLineAsync($"  PostgreSQL {postgres.Name} (dropped after the run): {postgres.Settings}");
        }

        await using var herald = await HeraldNodes.StartAsync(dll, postgres?.ConnectionString, options.Nodes, options.HeraldEnvironment, started, cancellationToken);
        try
        {
            using var api = new HeraldApi(herald);
            await using var rss = new RssSampler(herald.RssBytes);
            foreach (var node in herald.Nodes)
            {
                await output.WriteLineAsync($"Herald pid {node.Id} on {node.BaseAddress}");
            }

            await output.WriteLineAsync($"receiver on {receiver.BaseUrl}");

            if (options.Scenario == Scenario.Definitions)
            {
                return await RunDefinitionsAsync(herald.Nodes[0], rss, cancellationToken);
            }

            await WarmUpAsync(api, receiver, herald, cancellationToken);
            if (options.Scenario == Scenario.Isolation)
            {
                return await RunIsolationAsync(api, receiver, herald, rss, cancellationToken);
            }

            if (options.Scenario == Scenario.Backlog)
            {
                return await RunBacklogAsync(api, receiver, herald, rss, cancellationToken);
            }

            await CreateWebhooksAsync(api, receiver, cancellationToken);

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.Timeout);
            var tally = new ReceiveTally(options.Webhooks, options.Events, options.ExpectedDeliveries);
            receiver.Route("h", tally);
            HeraldFigures figures;
            try
            {
                figures = await MeasureHeraldAsync(api, herald, rss, tally, deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                await output.WriteLineAsync($"TIMED OUT after {options.Timeout.TotalSeconds:F0} s: {tally.Unique:N0} of {tally.Expected:N0} deliveries arrived.");
                await output.WriteLineAsync(herald.RecentOutput);
                return 2;
            }

            if (figures.Publish.Failures > 0)
            {
                Report.Herald(output, options, figures, receiver.Strays);
                await output.WriteLineAsync($"FAILED: {figures.Publish.Failures} publish request(s) failed; first: {figures.Publish.FirstError}");
                if (herald.HasExited)
                {
                    await output.WriteLineAsync($"Herald exited; its last output:{Environment.NewLine}{herald.RecentOutput}");
                }
                return 1;
            }

            Report.Herald(output, options, figures, receiver.Strays);
            if (postgres is not null)
            {
                await output.WriteLineAsync($"  PostgreSQL   database {await postgres.SizeAsync(cancellationToken) / (1024.0 * 1024):F0} MB");
            }

            var raw = options.RawRequests > 0 && options.ExpectedDeliveries > 0
                ? await MeasureRawAsync(receiver, cancellationToken)
                : null;
            if (raw is not null)
            {
                Report.Raw(output, options, figures, raw);
            }

            Report.Targets(output, options, figures, raw);
            Report.Summary(output, options, figures, raw);
            return 0;
        }
        finally
        {
            started(null);
        }
    }

    /// <summary>JIT, connection pools and SQLite pages warmed by a small delivered run on its own event type.</summary>
    private async Task WarmUpAsync(HeraldApi api, LoadReceiver receiver, HeraldNodes herald, CancellationToken cancellationToken)
    {
        if (options.WarmupEvents <= 0)
        {
            return;
        }

        // The measured run's shape, so the code it runs is compiled before it: as many warm-up
        // webhooks as it fans out to (at most 100) and --warmup deliveries in all (with 20,000, a
        // 100-webhook fan-out still spent 15 % of Herald's CPU in the tiered JIT while measured).
        // One node sends only for the webhooks whose partitions it owns: with several nodes the
        // warm-up uses 16 webhooks (each node owns one of them with a chance above 99.8 %) and a
        // quarter of the deliveries, so every node's send path is compiled before measuring.
        var webhooks = herald.Count > 1 ? 16 : Math.Clamp(options.Webhooks, 1, 100);
        var events = Math.Max(1, (herald.Count > 1 ? options.WarmupEvents / 4 : options.WarmupEvents) / webhooks);
        var ids = new List<string>();
        for (var i = 0; i < webhooks; i++)
        {
            ids.Add(await api.CreateWebhookAsync($"load-warmup-{i}", receiver.Url("w", i), "warmup", cancellationToken));
        }

        await api.DefinitionsSettledAsync(cancellationToken);
        var tally = new ReceiveTally(webhooks, events, webhooks * events);
        receiver.Route("w", tally);
        // The measured run's request shape (a steady run publishes one event per request), flat out.
        var batch = Math.Min(options.Batch, 100);
        var units = (events + batch - 1) / batch;
        var publish = await LoadDriver.RunClosedAsync(
            units,
            workers: Math.Min(options.Publishers, 8),
            (unit, ct) => api.PublishAsync(EventBodies.Batch("warmup", unit * batch, Math.Min(batch, events - (unit * batch))), ct),
            cancellationToken);
        if (publish.Failures > 0)
        {
            throw new InvalidOperationException($"warm-up publishing failed: {publish.FirstError}");
        }

        await WaitForAsync(tally, herald, TimeSpan.FromSeconds(180), cancellationToken);
        foreach (var id in ids)
        {
            await api.DeleteWebhookAsync(id, cancellationToken);
        }

        await api.DefinitionsSettledAsync(cancellationToken);
        var quiet = await WaitForJitToSettleAsync(herald, cancellationToken);
        await output.WriteLineAsync($"warm-up: {events:N0} events × {webhooks:N0} webhook(s) published and delivered; Herald's JIT {(quiet is { } s ? $"quiet after {s.TotalSeconds:F1} s more" : "still busy after 20 s")}");
    }

    /// <summary>
    /// Waits until Herald's tiered-compilation thread stops working (less than 20 ms of CPU in a
    /// second), so rejitting hot methods is not measured as load; a long-running server is past it.
    /// </summary>
    private static async Task<TimeSpan?> WaitForJitToSettleAsync(HeraldNodes herald, CancellationToken cancellationToken)
    {
        const string JitThread = ".NET Tiered Com";
        var waited = Stopwatch.StartNew();
        var before = herald.ThreadSnapshot().Seconds(JitThread);
        while (waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(1000, cancellationToken);
            var now = herald.ThreadSnapshot().Seconds(JitThread);
            if (now - before < 0.020)
            {
                return waited.Elapsed;
            }

            before = now;
        }

        return null;
    }

    private async Task CreateWebhooksAsync(HeraldApi api, LoadReceiver receiver, CancellationToken cancellationToken)
    {
        if (options.Webhooks == 0)
        {
            // Ingest alone: one webhook on another event type, so matching runs and finds nothing.
            await api.CreateWebhookAsync("load-elsewhere", receiver.Url("x", 0), "elsewhere", cancellationToken);
            return;
        }

        // Many at once: Herald reloads its webhook index after each change, and concurrent changes
        // share a reload, so thousands are created in minutes rather than hours.
        var created = Stopwatch.StartNew();
        var result = await LoadDriver.RunClosedAsync(
            options.Webhooks,
            options.Webhooks > 100 ? 32 : 1,
            (i, ct) => api.CreateWebhookAsync($"load-{i}", receiver.Url("h", i), EventBodies.EventType, ct),
            cancellationToken);
        if (result.Failures > 0)
        {
            throw new InvalidOperationException($"creating webhooks failed ({result.Failures}): {result.FirstError}");
        }

        if (options.Webhooks > 100)
        {
            await output.WriteLineAsync($"created {options.Webhooks:N0} webhooks in {created.Elapsed.TotalSeconds:F1} s");
        }

        await api.DefinitionsSettledAsync(cancellationToken);
    }

    private async Task<HeraldFigures> MeasureHeraldAsync(HeraldApi api, HeraldNodes herald, RssSampler rss, ReceiveTally tally, CancellationToken cancellationToken)
    {
        var self = Process.GetCurrentProcess();
        var selfCpu0 = self.TotalProcessorTime;
        var cpu0 = herald.CpuTime();
        var nodes0 = herald.CpuTimes();
        var server0 = _postgres?.ServerCpu();
        var threads0 = herald.ThreadSnapshot();
        rss.Reset();
        var published = 0;
        using var progress = new CancellationTokenSource();
        var reporting = ReportProgressAsync(() => Volatile.Read(ref published), tally, rss, progress.Token);

        var units = (options.Events + options.Batch - 1) / options.Batch;
        async Task Send(int unit, CancellationToken ct)
        {
            var first = unit * options.Batch;
            var count = Math.Min(options.Batch, options.Events - first);
            await api.PublishAsync(EventBodies.Batch(EventBodies.EventType, first, count), ct);
            Interlocked.Add(ref published, count);
        }

        try
        {
            var publish = options.Rate > 0
                ? await LoadDriver.RunPacedAsync(units, (double)options.Rate / options.Batch, options.Publishers, Send, cancellationToken)
                : await LoadDriver.RunClosedAsync(units, options.Publishers, Send, cancellationToken);
            var cpu1 = herald.CpuTime();
            if (publish.Failures == 0)
            {
                await WaitForAsync(tally, herald, Timeout.InfiniteTimeSpan, cancellationToken);
            }

            var end = tally.Expected == 0 ? publish.EndTicks : tally.LastTicks;
            var nodes = herald.CpuTimes().Zip(nodes0, (now, before) => now - before).ToArray();
            var server = _postgres?.ServerCpu() - server0;
            return new HeraldFigures(
                publish,
                options.Events,
                tally,
                Stopwatch.GetElapsedTime(publish.StartTicks, Math.Max(end, publish.EndTicks)),
                cpu1 - cpu0,
                herald.CpuTime() - cpu1,
                self.TotalProcessorTime - selfCpu0,
                herald.PeakRssBytes(),
                rss.Max,
                herald.DatabaseBytes(),
                herald.ThreadSnapshot().Since(threads0))
            {
                NodeCpu = nodes,
                DatabaseServerCpu = server,
            };
        }
        finally
        {
            await progress.CancelAsync();
            await reporting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task<RawFigures> MeasureRawAsync(LoadReceiver receiver, CancellationToken cancellationToken)
    {
        var handler = new SocketsHttpHandler
        {
            // As Herald's delivery client is set up.
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = 256,
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var webhooks = options.Webhooks;
        var requests = Math.Min(options.RawRequests, options.ExpectedDeliveries);

        async Task PostAsync(string route, int unit, CancellationToken ct)
        {
            using var content = new ByteArrayContent(EventBodies.Single(unit / webhooks));
            content.Headers.ContentType = new("application/json");
            using var response = await http.PostAsync(new Uri(receiver.Url(route, unit % webhooks)), content, ct);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync(ct);
        }

        async Task<(DriveResult Drive, ReceiveTally Tally)> RunAsync(string route, int count, bool paced)
        {
            var tally = new ReceiveTally(webhooks, (count + webhooks - 1) / webhooks, count);
            receiver.Route(route, tally);
            var drive = paced
                ? await LoadDriver.RunPacedAsync(count, options.Rate, options.Publishers, (u, ct) => PostAsync(route, u, ct), cancellationToken)
                : await LoadDriver.RunClosedAsync(count, options.RawConcurrency, (u, ct) => PostAsync(route, u, ct), cancellationToken);
            if (drive.Failures > 0)
            {
                throw new InvalidOperationException($"raw POSTs failed ({drive.Failures}): {drive.FirstError}");
            }

            return (drive, tally);
        }

        await RunAsync("rw", Math.Min(requests, 2_000), paced: false);
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var (ceiling, ceilingTally) = await RunAsync("r", requests, paced: false);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        var elapsed = Stopwatch.GetElapsedTime(ceiling.StartTicks, Math.Max(ceilingTally.LastTicks, ceiling.EndTicks));
        Percentiles? pacedLatency = null;
        if (options.Rate > 0)
        {
            var (_, pacedTally) = await RunAsync("rp", Math.Min(requests, options.Events), paced: true);
            pacedLatency = pacedTally.Latency();
        }

        return new RawFigures(requests, options.RawConcurrency, elapsed, ceilingTally.Latency(), pacedLatency, cpu);
    }

    private static async Task WaitForAsync(ReceiveTally tally, HeraldNodes herald, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (!tally.Complete.IsCompleted)
        {
            if (herald.HasExited)
            {
                throw new InvalidOperationException($"Herald exited while delivering:{Environment.NewLine}{herald.RecentOutput}");
            }

            if (timeout != Timeout.InfiniteTimeSpan && waited.Elapsed > timeout)
            {
                throw new TimeoutException($"only {tally.Unique:N0} of {tally.Expected:N0} deliveries arrived within {timeout.TotalSeconds:F0} s");
            }

            await Task.WhenAny(tally.Complete, Task.Delay(250, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task ReportProgressAsync(Func<int> published, ReceiveTally tally, RssSampler rss, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await output.WriteLineAsync(
                $"  {clock.Elapsed.TotalSeconds,5:F0} s  published {published(),9:N0}/{options.Events:N0}  delivered {tally.Unique,10:N0}/{tally.Expected:N0}  Herald RSS {rss.Current / 1048576.0:F0} MB");
        }
    }
}
