namespace AutoAnalyze;

/// <summary>Settings under <c>AutoAnalyze:*</c> (environment: <c>AutoAnalyze__AnalysisUrl</c>, ...).</summary>
internal sealed class AutoAnalyzeOptions
{
    public const string Section = "AutoAnalyze";

    /// <summary>The iconik (or compatible) base URL; the sample POSTs to <c>{AnalysisUrl}/API/transcode/v1/analyze/assets/{id}/</c>.</summary>
    public string AnalysisUrl { get; set; } = string.Empty;

    /// <summary>Sent as <c>App-ID</c> with the analysis request, as the original listener did. Optional.</summary>
    public string? AppId { get; set; }

    /// <summary>Sent as <c>Auth-Token</c> with the analysis request. Optional.</summary>
    public string? AuthToken { get; set; }

    /// <summary>The SQLite file for assets and seen delivery ids. Default <c>data/auto-analyze.db</c>.</summary>
    public string Database { get; set; } = "data/auto-analyze.db";

    /// <summary>The signing secret of the <c>assets.entity.create</c> webhook (shown once by Herald).</summary>
    public string CreateSecret { get; set; } = string.Empty;

    /// <summary>The signing secret of the <c>assets.proxies.update</c> webhook.</summary>
    public string ProxySecret { get; set; } = string.Empty;

    /// <summary>
    /// How long an analysis may be "in flight" before another delivery may take it over: covers a process
    /// that died between claiming an asset and recording the result. Default 5 minutes.
    /// </summary>
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a CLOSED proxy of an asset whose create was never seen is remembered. It must outlast
    /// Herald's retry schedule (about 28 h), so that a create delivered late still finds it. Default 3 days.
    /// </summary>
    public TimeSpan UnmatchedRetention { get; set; } = TimeSpan.FromDays(3);
}
