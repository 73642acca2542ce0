using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Storage.Sqlite;
using Npgsql;

namespace Herald.Storage.Postgres;

internal sealed partial class PostgresDeliveryStore
{
    // One statement records a batch of attempts: it locks the named deliveries (in id order, so two
    // completions over the same rows queue instead of deadlocking) and judges each record on the
    // row's current values: 1 = still pending under the record's lease (moved on), 2 = cancelled
    // while this very attempt was in flight (the cancel keeps the lease's end; only the attempt is
    // logged), 0 = anything else (ignored whole). Attempt rows are inserted once per (delivery, number).
    private const string Record =
        """
        WITH r AS (
            SELECT * FROM unnest($1::text[], $2::integer[], $3::integer[], $4::bigint[], $5::integer[], $6::text[], $7::bigint[], $8::bigint[], $9::double precision[], $10::text[])
                WITH ORDINALITY AS r(id, number, status, next_at, code, error, lease, started, duration, body, ord)
        ),
        locked AS (
            SELECT d.id, d.status, d.lease_until FROM deliveries d WHERE d.id = ANY($1::text[]) ORDER BY d.id FOR UPDATE
        ),
        judged AS (
            SELECT r.*, CASE WHEN l.status = 0 AND l.lease_until = COALESCE(r.lease, 0) THEN 1
                             WHEN l.status = 3 AND l.lease_until = r.lease THEN 2
                             ELSE 0 END AS outcome
            FROM r LEFT JOIN locked l ON l.id = r.id
        ),
        moved AS (
            UPDATE deliveries d SET status = j.status, attempt_count = GREATEST(d.attempt_count, j.number), next_attempt_at = j.next_at,
                lease_owner = NULL, lease_until = 0, last_status_code = j.code, last_error = j.error, updated_at = $11
            FROM judged j WHERE d.id = j.id AND j.outcome = 1
        ),
        logged AS (
            INSERT INTO attempts (delivery_id, number, started_at, status_code, duration_ms, error, response_body)
            SELECT id, number, started, code, duration, error, body FROM judged WHERE outcome > 0
            ON CONFLICT (delivery_id, number) DO NOTHING
        )
        SELECT ord, outcome FROM judged
        """;

    private const string ReadHealth = "SELECT id, status, first_failed_at, last_error, version FROM webhooks WHERE id = ANY($1::text[])";

    // The health Core decided, written only if the row's version is still the one read (bumping it),
    // with its notice when the status changed. Webhook rows are locked in id order, as ingest locks
    // them (FOR SHARE), so the two never deadlock.
    private const string WriteHealth =
        """
        WITH w AS (
            UPDATE webhooks SET status = $2, first_failed_at = $3, last_error = $4, version = version + 1 WHERE id = $1 AND version = $5 RETURNING id
        )
        SELECT w.id, (SELECT pg_notify($7, $8) WHERE $6) FROM w
        """;

    // A webhook that stopped sending holds its pending deliveries, in a statement after the webhook's
    // (a newer snapshot: deliveries an ingest committed while the webhook's row was awaited are held
    // too), only if this transaction's write is the one stored.
    private const string HoldDeliveries =
        """
        UPDATE deliveries SET held = 1
        WHERE webhook_id = $1 AND status = 0 AND EXISTS (SELECT 1 FROM webhooks WHERE id = $1 AND version = $2 + 1 AND status = $3)
        """;

    public async Task<CompletionResult> CompleteAsync(IReadOnlyList<AttemptRecord> attempts, DateTimeOffset now, TimeSpan disableAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempts);
        if (attempts.Count == 0)
        {
            return CompletionResult.Empty;
        }

        var outcomes = new int[attempts.Count];
        var health = new Dictionary<string, StoredHealth>(StringComparer.Ordinal);
        var webhookIds = attempts.Select(a => a.WebhookId).Distinct(StringComparer.Ordinal).ToArray();
        var rounds = Rounds(attempts);
        for (var round = 0; round < rounds.Count; round++)
        {
            var last = round == rounds.Count - 1;
            await PostgresRetry.OnConflictAsync(
                () => RecordAsync(attempts, rounds[round], outcomes, UnixTime.ToMs(now), last ? webhookIds : null, health, cancellationToken),
                cancellationToken).ConfigureAwait(false);
        }

        // Per webhook, the verdicts of its applied attempts in order, folded through Core's status
        // machine from the stored health and written once per webhook per call.
        List<string>? ignored = null;
        var verdicts = new Dictionary<string, List<(AttemptVerdict Verdict, string DeliveryId)>>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var i = 0; i < attempts.Count; i++)
        {
            var attempt = attempts[i];
            if (outcomes[i] != 1)
            {
                (ignored ??= []).Add(attempt.DeliveryId);
                if (outcomes[i] == 0)
                {
                    continue;
                }
            }

            if (!verdicts.TryGetValue(attempt.WebhookId, out var list))
            {
                verdicts[attempt.WebhookId] = list = [];
                order.Add(attempt.WebhookId);
            }

            list.Add((new AttemptVerdict(attempt.Succeeded, attempt.StatusCode ?? 0, attempt.Error), attempt.DeliveryId));
        }

        var statusChanges = await StoreHealthAsync(order, verdicts, health, now, disableAfter, cancellationToken).ConfigureAwait(false);
        var result = new CompletionResult(statusChanges, ignored ?? (IReadOnlyList<string>)[]);
        switch (result.Count)
        {
            case 0:
                break;
            case 1:
                await changes.RaiseAsync(new StoreChange(StoreChangeKind.Webhooks, result[0].WebhookId)).ConfigureAwait(false);
                break;
            default:
                await changes.RaiseAsync(StoreChange.Any(StoreChangeKind.Webhooks)).ConfigureAwait(false); // several changes: one coalesced notice
                break;
        }

        return result;
    }

    /// <summary>
    /// Splits the records so each statement names a delivery once: the k-th record of a delivery goes
    /// to round k, and rounds run in order, so several records of one delivery apply as if one by one.
    /// </summary>
    private static List<List<int>> Rounds(IReadOnlyList<AttemptRecord> attempts)
    {
        var rounds = new List<List<int>> { new(attempts.Count) };
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < attempts.Count; i++)
        {
            var round = seen.TryGetValue(attempts[i].DeliveryId, out var count) ? count : 0;
            seen[attempts[i].DeliveryId] = round + 1;
            if (round == rounds.Count)
            {
                rounds.Add([]);
            }

            rounds[round].Add(i);
        }

        return rounds;
    }

    private async Task<bool> RecordAsync(
        IReadOnlyList<AttemptRecord> attempts, List<int> round, int[] outcomes, long nowMs, string[]? readHealthOf, Dictionary<string, StoredHealth> health, CancellationToken cancellationToken)
    {
        var n = round.Count;
        var ids = new string[n];
        var numbers = new int[n];
        var statuses = new int[n];
        var nextAt = new long?[n];
        var codes = new int?[n];
        var errors = new string?[n];
        var leases = new long?[n];
        var started = new long[n];
        var durations = new double[n];
        var bodies = new string?[n];
        for (var k = 0; k < n; k++)
        {
            var a = attempts[round[k]];
            ids[k] = a.DeliveryId;
            numbers[k] = a.Number;
            statuses[k] = (int)(a.Succeeded ? DeliveryStatus.Succeeded : a.NextAttemptAt is null ? DeliveryStatus.Failed : DeliveryStatus.Pending);
            nextAt[k] = UnixTime.ToMs(a.NextAttemptAt);
            codes[k] = a.StatusCode;
            errors[k] = a.Error;
            leases[k] = UnixTime.ToMs(a.LeaseUntil);
            started[k] = UnixTime.ToMs(a.StartedAt);
            durations[k] = a.DurationMs;
            bodies[k] = a.ResponseBody;
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(PostgresDatabase.BatchCommand(Record, ids, numbers, statuses, nextAt, codes, errors, leases, started, durations, bodies, nowMs));
        if (readHealthOf is not null)
        {
            batch.BatchCommands.Add(PostgresDatabase.BatchCommand(ReadHealth, [readHealthOf]));
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            outcomes[round[(int)reader.GetInt64(0) - 1]] = reader.GetInt32(1);
        }

        if (readHealthOf is not null)
        {
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            health.Clear();
            await ReadHealthRowsAsync(reader, health, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private static async Task ReadHealthRowsAsync(NpgsqlDataReader reader, Dictionary<string, StoredHealth> health, CancellationToken cancellationToken)
    {
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (WebhookStatusNames.TryParse(reader.GetString(1), out var status))
            {
                health[reader.GetString(0)] = new StoredHealth(
                    new WebhookHealth(status, reader.IsDBNull(2) ? null : UnixTime.FromMs(reader.GetInt64(2)), reader.IsDBNull(3) ? null : reader.GetString(3)),
                    reader.GetInt64(4));
            }
        }
    }

    /// <summary>
    /// Stores what Core's <see cref="WebhookStatusMachine"/> decides for each webhook's attempts of
    /// this call, folded in order from the health read with the attempts, as one write per webhook
    /// that holds only if the row's version is still the one read. A webhook whose write missed (a
    /// node or an edit wrote meanwhile) is read again and decided again from its new values.
    /// </summary>
    private async Task<List<WebhookStatusChange>> StoreHealthAsync(
        List<string> order, Dictionary<string, List<(AttemptVerdict Verdict, string DeliveryId)>> verdicts, Dictionary<string, StoredHealth> health,
        DateTimeOffset now, TimeSpan disableAfter, CancellationToken cancellationToken)
    {
        var decided = new Dictionary<string, List<WebhookStatusChange>>(StringComparer.Ordinal);
        var pending = order;
        while (pending.Count > 0)
        {
            var writes = new List<(string WebhookId, WebhookHealth Next, StoredHealth Stored, List<WebhookStatusChange> Found)>();
            foreach (var webhookId in pending)
            {
                // A webhook deleted meanwhile (or never stored) has no health to keep.
                if (!health.TryGetValue(webhookId, out var stored))
                {
                    continue;
                }

                var found = new List<WebhookStatusChange>();
                var current = stored.Health;
                foreach (var (verdict, deliveryId) in verdicts[webhookId])
                {
                    var next = WebhookStatusMachine.Apply(current, verdict, now, disableAfter);
                    if (next.Status != current.Status)
                    {
                        found.Add(new WebhookStatusChange(webhookId, current.Status, next.Status, deliveryId));
                    }

                    current = next;
                }

                if (current != stored.Health)
                {
                    writes.Add((webhookId, current, stored, found));
                }
            }

            if (writes.Count == 0)
            {
                break;
            }

            var written = await PostgresRetry.OnConflictAsync(() => WriteHealthAsync(writes, cancellationToken), cancellationToken).ConfigureAwait(false);
            var missed = new List<string>();
            foreach (var write in writes)
            {
                if (written.Contains(write.WebhookId))
                {
                    decided[write.WebhookId] = write.Found;
                }
                else
                {
                    missed.Add(write.WebhookId);
                }
            }

            if (missed.Count > 0)
            {
                health.Clear();
                await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var command = PostgresDatabase.Command(connection, ReadHealth, [missed.ToArray()]);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await ReadHealthRowsAsync(reader, health, cancellationToken).ConfigureAwait(false);
            }

            pending = missed;
        }

        var statusChanges = new List<WebhookStatusChange>();
        foreach (var webhookId in order)
        {
            if (decided.TryGetValue(webhookId, out var found))
            {
                statusChanges.AddRange(found);
            }
        }

        return statusChanges;
    }

    private async Task<HashSet<string>> WriteHealthAsync(
        List<(string WebhookId, WebhookHealth Next, StoredHealth Stored, List<WebhookStatusChange> Found)> writes, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var (webhookId, next, stored, found) in writes.OrderBy(w => w.WebhookId, StringComparer.Ordinal))
        {
            var statusChanged = next.Status != stored.Health.Status;
            batch.BatchCommands.Add(PostgresDatabase.BatchCommand(
                WriteHealth,
                webhookId, next.Status.ToWire(), UnixTime.ToMs(next.FirstFailedAt), next.LastError, stored.Version,
                statusChanged, changes.Channel, changes.Payload(StoreChangeKind.Webhooks, webhookId)));
            if (statusChanged && !next.Status.Sends())
            {
                batch.BatchCommands.Add(PostgresDatabase.BatchCommand(HoldDeliveries, webhookId, stored.Version, next.Status.ToWire()));
            }
        }

        var written = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        do
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                written.Add(reader.GetString(0));
            }
        }
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));

        return written;
    }

    private readonly record struct StoredHealth(WebhookHealth Health, long Version);
}
