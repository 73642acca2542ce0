using System.Collections.Concurrent;
using Herald.Core.Deliveries;
using Herald.Storage;

namespace Herald.Delivery.Tests.Dispatching;

/// <summary>
/// An in-memory delivery store with the lease rules of the real one (a leased delivery is due again
/// at its lease's end; a release gives back only the lease it names) and switches that make each
/// call fail, so the dispatcher's failure paths run.
/// </summary>
internal sealed class FaultyDeliveryStore : IDeliveryStore
{
    private readonly Lock _gate = new();
    private readonly List<Row> _rows = [];

    /// <summary>Every store call in order: "recover", "claim", "complete", "release".</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    public ConcurrentQueue<AttemptRecord> Attempts { get; } = new();

    public ConcurrentQueue<string> Released { get; } = new();

    /// <summary>How many of the next CompleteAsync calls throw.</summary>
    public int FailCompletes;

    /// <summary>How many of the next ReleaseAsync calls throw.</summary>
    public int FailReleases;

    public bool FailRecover { get; set; }

    /// <summary>When set, claims lease for this long instead of what the dispatcher asked.</summary>
    public TimeSpan? LeaseOverride { get; set; }

    public void Add(string id, string webhookId, DateTimeOffset due)
    {
        lock (_gate)
        {
            _rows.Add(new Row(id, webhookId) { Due = due });
        }
    }

    public DeliveryStatus StatusOf(string id)
    {
        lock (_gate)
        {
            return _rows.Single(r => r.Id == id).Status;
        }
    }

    public bool IsLeased(string id)
    {
        lock (_gate)
        {
            return _rows.Single(r => r.Id == id).Owner is not null;
        }
    }

    public Task<ClaimResult> ClaimDueAsync(ClaimRequest request, CancellationToken cancellationToken)
    {
        Calls.Enqueue("claim");
        lock (_gate)
        {
            var claimed = new List<ClaimedDelivery>();
            foreach (var row in _rows.Where(r => r.Status == DeliveryStatus.Pending && r.Due <= request.Now).Take(request.Max))
            {
                row.Owner = request.Owner;
                row.LeaseUntil = request.Now + (LeaseOverride ?? request.Lease);
                row.Due = row.LeaseUntil;
                claimed.Add(new ClaimedDelivery(row.Id, row.WebhookId, "evt-" + row.Id, null, row.Attempts, "assets.update", "{\"id\":1}"u8.ToArray(), row.LeaseUntil));
            }

            return Task.FromResult(new ClaimResult(claimed, null));
        }
    }

    public Task<CompletionResult> CompleteAsync(IReadOnlyList<AttemptRecord> attempts, DateTimeOffset now, TimeSpan disableAfter, CancellationToken cancellationToken)
    {
        Calls.Enqueue("complete");
        if (Interlocked.Decrement(ref FailCompletes) >= 0)
        {
            throw new IOException("disk I/O error (injected)");
        }

        var ignored = new List<string>();
        lock (_gate)
        {
            foreach (var attempt in attempts)
            {
                var row = _rows.Single(r => r.Id == attempt.DeliveryId);
                if (row.Status != DeliveryStatus.Pending || row.LeaseUntil != attempt.LeaseUntil)
                {
                    ignored.Add(attempt.DeliveryId);
                    continue;
                }

                Attempts.Enqueue(attempt);
                row.Attempts = Math.Max(row.Attempts, attempt.Number);
                row.Owner = null;
                row.Status = attempt.Succeeded ? DeliveryStatus.Succeeded : attempt.NextAttemptAt is null ? DeliveryStatus.Failed : DeliveryStatus.Pending;
                row.Due = attempt.NextAttemptAt ?? now;
            }
        }

        return Task.FromResult(new CompletionResult([], ignored));
    }

    public Task ReleaseAsync(string owner, IReadOnlyList<ClaimedDelivery> deliveries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Calls.Enqueue("release");
        if (Interlocked.Decrement(ref FailReleases) >= 0)
        {
            throw new IOException("database is locked (injected)");
        }

        lock (_gate)
        {
            foreach (var delivery in deliveries)
            {
                var row = _rows.SingleOrDefault(r => r.Id == delivery.Id);
                if (row is not null && row.Owner == owner && row.LeaseUntil == delivery.LeaseUntil)
                {
                    row.Owner = null;
                    row.Due = now;
                }

                Released.Enqueue(delivery.Id);
            }
        }

        return Task.CompletedTask;
    }

    public Task<int> RecoverLeasesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        Calls.Enqueue("recover");
        if (FailRecover)
        {
            throw new IOException("disk I/O error (injected)");
        }

        lock (_gate)
        {
            var leased = _rows.Where(r => r.Status == DeliveryStatus.Pending && r.Owner is not null).ToList();
            foreach (var row in leased)
            {
                row.Owner = null;
                row.Due = now;
            }

            return Task.FromResult(leased.Count);
        }
    }

    public Task<DeliveryView?> GetAsync(string id, string? domainId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<Page<DeliveryView>> ListAsync(DeliveryFilter filter, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<DeliveryView?> RetryAsync(string id, string? domainId, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();

    /// <summary>Marks a delivery leased by a process that is gone.</summary>
    public void LeaseAsIfByADeadProcess(string id, DateTimeOffset until)
    {
        lock (_gate)
        {
            var row = _rows.Single(r => r.Id == id);
            row.Owner = "dead-node";
            row.LeaseUntil = until;
            row.Due = until;
        }
    }

    private sealed class Row(string id, string webhookId)
    {
        public string Id { get; } = id;

        public string WebhookId { get; } = webhookId;

        public DeliveryStatus Status { get; set; } = DeliveryStatus.Pending;

        public DateTimeOffset Due { get; set; }

        public string? Owner { get; set; }

        public DateTimeOffset LeaseUntil { get; set; }

        public int Attempts { get; set; }
    }
}
