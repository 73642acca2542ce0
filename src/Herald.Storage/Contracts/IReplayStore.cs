using Herald.Core.Deliveries;
using Herald.Core.Events;

namespace Herald.Storage;

public enum ReplayJobStatus
{
    Running,
    Completed,
    Cancelled,
}

public static class ReplayJobStatusNames
{
    public static string ToWire(this ReplayJobStatus status) => status switch
    {
        ReplayJobStatus.Running => "running",
        ReplayJobStatus.Completed => "completed",
        ReplayJobStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static bool TryParse(string? text, out ReplayJobStatus status)
    {
        switch (text)
        {
            case "running": status = ReplayJobStatus.Running; return true;
            case "completed": status = ReplayJobStatus.Completed; return true;
            case "cancelled": status = ReplayJobStatus.Cancelled; return true;
            default: status = default; return false;
        }
    }
}

/// <summary>
/// A durable replay of one webhook over [<see cref="Since"/>, <see cref="Until"/>). <see cref="Cursor"/>
/// is the last event id (with <see cref="OnlyFailed"/>: delivery id) a committed chunk covered.
/// </summary>
public sealed record ReplayJob(
    string Id,
    string WebhookId,
    string? DomainId,
    DateTimeOffset Since,
    DateTimeOffset Until,
    bool OnlyFailed,
    ReplayJobStatus Status,
    string? Cursor,
    long EventsScanned,
    long DeliveriesCreated,
    DateTimeOffset CreatedAt,
    DateTimeOffset ModifiedAt);

/// <summary>
/// One chunk of a replay, committed atomically with the job's progress: new deliveries (a full
/// replay) or failed delivery ids to put back to pending (<c>only_failed</c>). It applies only while
/// the job is running and its cursor is still <see cref="ExpectedCursor"/>, so a cancel or a second
/// worker can never make a chunk count twice.
/// </summary>
public sealed record ReplayChunk(
    string JobId,
    string? ExpectedCursor,
    string? NewCursor,
    int Scanned,
    IReadOnlyList<NewDelivery> Deliveries,
    IReadOnlyList<string> Requeue,
    bool Last,
    DateTimeOffset Now);

public interface IReplayStore
{
    Task InsertAsync(ReplayJob job, CancellationToken cancellationToken);

    /// <summary><paramref name="domainId"/> limits the lookup to one domain's jobs; null sees every job.</summary>
    Task<ReplayJob?> GetAsync(string id, string? domainId, CancellationToken cancellationToken);

    /// <summary>Jobs still running, oldest first.</summary>
    Task<IReadOnlyList<ReplayJob>> ListRunningAsync(CancellationToken cancellationToken);

    /// <summary>Cancels a running job; returns the job as it is afterwards, or null when not found.</summary>
    Task<ReplayJob?> CancelAsync(string id, string? domainId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The next events of <paramref name="eventType"/> in the job's range after its cursor, in id (time) order.</summary>
    Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(ReplayJob job, string eventType, int max, CancellationToken cancellationToken);

    /// <summary>The next failed deliveries of the job's webhook whose events lie in its range, after its cursor, in id order.</summary>
    Task<IReadOnlyList<string>> ReadFailedAsync(ReplayJob job, int max, CancellationToken cancellationToken);

    /// <summary>Commits a chunk; returns the updated job, or null when the job stopped running or moved on.</summary>
    Task<ReplayJob?> CommitChunkAsync(ReplayChunk chunk, CancellationToken cancellationToken);
}
