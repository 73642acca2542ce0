using System.Text;
using Herald.Core.Deliveries;
using Herald.Core.Events;
using Herald.Storage.Sqlite;

namespace Herald.Storage.Tests.Sqlite.Recovery;

/// <summary>
/// Rows at explicit times, with UUIDv7 ids minted from those times as the server mints them (replay
/// and retention scan the time-ordered primary keys).
/// </summary>
internal sealed class RecoveryData(SqliteTestDatabase db)
{
    public SqliteReplayStore Replays { get; } = new(db.Database, db.Writer);

    public SqliteDeliveryRecoveryStore Recovery { get; } = new(db.Writer);

    public SqliteRetentionStore Retention { get; } = new(db.Database, db.Writer);

    public static string IdAt(DateTimeOffset at) => Guid.CreateVersion7(at).ToString();

    /// <summary>Stores one event received at <paramref name="at"/> with one delivery per webhook; returns (event id, delivery ids).</summary>
    public async Task<(string EventId, string[] DeliveryIds)> PublishAtAsync(
        DateTimeOffset at, string[] webhookIds, string eventType = "assets", string? objectId = "obj-1", string? idempotencyKey = null)
    {
        var eventId = IdAt(at);
        var body = Encoding.UTF8.GetBytes(
            $$$"""{"event_type":"{{{eventType}}}","operation":"update","object_id":"{{{objectId}}}","data":{"id":"{{{eventId}}}"}}""");
        var published = new PublishedEvent(eventType, "update", null, objectId, null, null, body);
        var deliveries = webhookIds.Select(w => new NewDelivery(IdAt(at), w, eventId, objectId, null, at)).ToList();
        await db.Events.IngestAsync(
            new IngestBatch([new StoredEvent(eventId, published, at)], deliveries, idempotencyKey is null ? null : "scope", idempotencyKey, at),
            CancellationToken.None);
        return (eventId, deliveries.Select(d => d.Id).ToArray());
    }

    /// <summary>Moves a delivery to <paramref name="status"/> as of <paramref name="at"/>, with one attempt logged.</summary>
    public Task SetStatusAsync(string deliveryId, DeliveryStatus status, DateTimeOffset at) =>
        db.Writer.ExecuteAsync(
            session =>
            {
                session.Execute("UPDATE deliveries SET status = $1, updated_at = $2, attempt_count = 1 WHERE id = $0", deliveryId, (int)status, at.ToUnixTimeMilliseconds());
                return session.Execute(
                    "INSERT OR REPLACE INTO attempts (delivery_id, number, started_at, status_code, duration_ms) VALUES ($0, 1, $1, 500, 1.0)",
                    deliveryId, at.ToUnixTimeMilliseconds());
            },
            CancellationToken.None);

    public static ReplayJob NewJob(string webhookId, DateTimeOffset since, DateTimeOffset until, bool onlyFailed = false, string? domainId = null) =>
        new(IdAt(until), webhookId, domainId, since, until, onlyFailed, ReplayJobStatus.Running, null, 0, 0, until, until);

    public DeliveryStatus StatusOf(string deliveryId) => (DeliveryStatus)db.Count("SELECT status FROM deliveries WHERE id = $0", deliveryId);
}
