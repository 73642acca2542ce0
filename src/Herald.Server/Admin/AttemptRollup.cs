using Herald.Storage;

namespace Herald.Server.Admin;

/// <summary>One webhook's attempts in the window: how many, how many succeeded (2xx), and the 95th percentile latency.</summary>
internal sealed record WebhookAttemptStats(string WebhookId, int Attempts, int Succeeded, double? P95Ms)
{
    public double? SuccessRate => Attempts == 0 ? null : (double)Succeeded / Attempts;

    public int Failed => Attempts - Succeeded;
}

/// <summary>Attempts that started in one minute (<see cref="Minute"/> is its start), by outcome.</summary>
internal sealed record MinuteCounts(DateTimeOffset Minute, int Succeeded, int Failed);

/// <summary>What the dashboard and the webhook list show for one domain scope.</summary>
internal sealed record DeliveryStats(
    DateTimeOffset Since,
    DateTimeOffset Now,
    IReadOnlyDictionary<string, WebhookAttemptStats> ByWebhook,
    IReadOnlyList<MinuteCounts> LastHour,
    long Pending);

/// <summary>
/// Attempts folded into hourly cells per webhook (counts and a latency histogram, kept 24 hours) and
/// minute cells per webhook (kept an hour). Memory depends on the number of webhooks with traffic,
/// never on the number of attempts. Not thread-safe: <see cref="DeliveryStatsCache"/> serializes it.
/// </summary>
internal sealed class AttemptRollup
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    // Log-spaced latency buckets 5% wide from 0.1 ms: a p95 within 5% in constant memory.
    private const double Base = 0.1;
    private const double Ratio = 1.05;
    private static readonly double LogRatio = Math.Log(Ratio);

    private readonly Dictionary<string, WebhookCells> _webhooks = new(StringComparer.Ordinal);

    public void Add(AttemptFact attempt)
    {
        if (!_webhooks.TryGetValue(attempt.WebhookId, out var cells))
        {
            _webhooks[attempt.WebhookId] = cells = new WebhookCells();
        }

        cells.DomainId = attempt.DomainId;
        var ms = attempt.StartedAt.ToUnixTimeMilliseconds();
        var hour = ms / 3_600_000;
        if (!cells.Hours.TryGetValue(hour, out var cell))
        {
            cells.Hours[hour] = cell = new HourCell();
        }

        cell.Attempts++;
        cell.Succeeded += attempt.Succeeded ? 1 : 0;
        var bucket = attempt.DurationMs <= Base ? 0 : (int)Math.Ceiling(Math.Log(attempt.DurationMs / Base) / LogRatio);
        cell.Buckets[bucket] = cell.Buckets.GetValueOrDefault(bucket) + 1;
        var minute = ms / 60_000;
        var counts = cells.Minutes.GetValueOrDefault(minute);
        cells.Minutes[minute] = attempt.Succeeded ? (counts.Succeeded + 1, counts.Failed) : (counts.Succeeded, counts.Failed + 1);
    }

    /// <summary>Drops cells that have left the windows at <paramref name="now"/>.</summary>
    public void Evict(DateTimeOffset now)
    {
        var (firstHour, firstMinute) = Starts(now);
        foreach (var (id, cells) in _webhooks)
        {
            foreach (var hour in cells.Hours.Keys.Where(h => h < firstHour).ToList())
            {
                cells.Hours.Remove(hour);
            }

            foreach (var minute in cells.Minutes.Keys.Where(m => m < firstMinute).ToList())
            {
                cells.Minutes.Remove(minute);
            }

            if (cells.Hours.Count == 0)
            {
                _webhooks.Remove(id);
            }
        }
    }

    /// <summary>
    /// The figures of <paramref name="domainId"/> (null: every domain): per webhook over the last 24
    /// hours by the hour (the current hour and the 23 before it), and per minute over the last hour.
    /// </summary>
    public DeliveryStats Read(string? domainId, DateTimeOffset now, long pending)
    {
        var (firstHour, firstMinute) = Starts(now);
        var perMinute = new (int Succeeded, int Failed)[60];
        var byWebhook = new Dictionary<string, WebhookAttemptStats>(StringComparer.Ordinal);
        foreach (var (id, cells) in _webhooks)
        {
            if (domainId is not null && !string.Equals(cells.DomainId, domainId, StringComparison.Ordinal))
            {
                continue;
            }

            var hours = cells.Hours.Where(h => h.Key >= firstHour).Select(h => h.Value).ToList();
            var attempts = hours.Sum(h => h.Attempts);
            if (attempts > 0)
            {
                byWebhook[id] = new WebhookAttemptStats(id, attempts, hours.Sum(h => h.Succeeded), Percentile(hours, attempts, 0.95));
            }

            foreach (var (minute, counts) in cells.Minutes)
            {
                var slot = minute - firstMinute;
                if (slot is >= 0 and < 60)
                {
                    perMinute[slot] = (perMinute[slot].Succeeded + counts.Succeeded, perMinute[slot].Failed + counts.Failed);
                }
            }
        }

        var minutes = perMinute.Select((c, i) => new MinuteCounts(DateTimeOffset.FromUnixTimeMilliseconds((firstMinute + i) * 60_000), c.Succeeded, c.Failed)).ToList();
        return new DeliveryStats(DateTimeOffset.FromUnixTimeMilliseconds(firstHour * 3_600_000), now, byWebhook, minutes, pending);
    }

    private static (long FirstHour, long FirstMinute) Starts(DateTimeOffset now)
    {
        var ms = now.ToUnixTimeMilliseconds();
        return ((ms / 3_600_000) - 23, (ms / 60_000) - 59);
    }

    private static double Percentile(List<HourCell> hours, int attempts, double quantile)
    {
        var rank = (int)Math.Ceiling(quantile * attempts);
        var seen = 0;
        foreach (var (bucket, count) in hours.SelectMany(h => h.Buckets).GroupBy(b => b.Key).Select(g => (g.Key, g.Sum(b => b.Value))).OrderBy(b => b.Key))
        {
            seen += count;
            if (seen >= rank)
            {
                return Math.Round(Base * Math.Pow(Ratio, bucket), 1);
            }
        }

        return 0;
    }

    private sealed class WebhookCells
    {
        public string? DomainId { get; set; }

        public Dictionary<long, HourCell> Hours { get; } = [];

        public Dictionary<long, (int Succeeded, int Failed)> Minutes { get; } = [];
    }

    private sealed class HourCell
    {
        public int Attempts { get; set; }

        public int Succeeded { get; set; }

        public Dictionary<int, int> Buckets { get; } = [];
    }
}
