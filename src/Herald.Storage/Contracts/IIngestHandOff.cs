using Herald.Core.Deliveries;

namespace Herald.Storage;

/// <summary>
/// Who takes fresh deliveries straight from an ingest: <see cref="Room"/> is given a webhook and how
/// many fresh deliveries the batch has for it, and says how many of them its lane takes now (0:
/// none); it is asked once per webhook per batch.
/// </summary>
public sealed record HandOffRequest(string Owner, TimeSpan Lease, Func<string, int, int> Room);

/// <summary>What an ingest stored, and the deliveries it leased to the hand-off's owner until <see cref="LeaseUntil"/>.</summary>
public sealed record HandOffResult(IngestResult Result, IReadOnlyList<NewDelivery> Leased, DateTimeOffset LeaseUntil);

/// <summary>
/// A capability of stores whose leases live in the one process that owns the database (SQLite):
/// an ingest can lease the deliveries it stores to the caller's dispatcher, which sends them without
/// reading them back by a claim. Leased deliveries are durable and pending like any other (a
/// restart sends them); deliveries of ordered webhooks, held ones and those beyond the lanes' room
/// are left to claims. A store shared by several nodes (PostgreSQL) does not offer it.
/// </summary>
public interface IIngestHandOff
{
    /// <summary>Stores the batch as <see cref="IEventStore.IngestAsync"/> does and leases what <paramref name="handOff"/> takes.</summary>
    Task<HandOffResult> IngestAsync(IngestBatch batch, HandOffRequest handOff, CancellationToken cancellationToken);
}
