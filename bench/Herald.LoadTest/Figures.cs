namespace Herald.LoadTest;

/// <summary>Herald's side of a run: publishing, delivery and what it cost Herald.</summary>
internal sealed record HeraldFigures(
    DriveResult Publish,
    int Events,
    ReceiveTally Tally,
    TimeSpan DeliveryElapsed,
    TimeSpan HeraldCpuPublishing,
    TimeSpan HeraldCpuDraining,
    TimeSpan LoadTestCpu,
    long PeakRssBytes,
    long PhaseMaxRssBytes,
    (long Database, long Wal) DatabaseBytes,
    IReadOnlyList<ThreadGroupCpu> HeraldThreads)
{
    /// <summary>Each node's CPU over the whole phase, in node order.</summary>
    public IReadOnlyList<TimeSpan> NodeCpu { get; init; } = [];

    /// <summary>The PostgreSQL server's CPU over the phase (every process of the instance); null on SQLite or a remote server.</summary>
    public TimeSpan? DatabaseServerCpu { get; init; }

    /// <summary>All Herald nodes' CPU per delivery together (what one SQLite process spends alone).</summary>
    public double CpuMicrosecondsPerDelivery => Tally.Expected == 0 ? 0 : (HeraldCpuPublishing + HeraldCpuDraining).TotalMicroseconds / Tally.Expected;

    public double EventsPerSecond => Events / Publish.Elapsed.TotalSeconds;

    public double DeliveriesPerSecond => Tally.Expected == 0 ? 0 : Tally.Unique / DeliveryElapsed.TotalSeconds;

    /// <summary>Herald's CPU per published event, its deliveries included.</summary>
    public double CpuMicrosecondsPerEvent => (HeraldCpuPublishing + HeraldCpuDraining).TotalMicroseconds / Events;

    /// <summary>How long deliveries kept arriving after the last publish was answered.</summary>
    public TimeSpan DrainAfterPublish => DeliveryElapsed - Publish.Elapsed;
}

/// <summary>The raw ceiling: plain HttpClient POSTs of the same bodies to the same receiver.</summary>
internal sealed record RawFigures(int Requests, int Concurrency, TimeSpan Elapsed, Percentiles Latency, Percentiles? PacedLatency, TimeSpan LoadTestCpu)
{
    public double PerSecond => Requests / Elapsed.TotalSeconds;

    /// <summary>Client and receiver together (both run in this process), per request.</summary>
    public double CpuMicrosecondsPerRequest => LoadTestCpu.TotalMicroseconds / Requests;
}
