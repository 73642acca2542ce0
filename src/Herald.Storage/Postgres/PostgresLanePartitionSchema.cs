namespace Herald.Storage.Postgres;

/// <summary>
/// Migration step: each webhook's lane partition (<see cref="Herald.Core.Deliveries.LanePartitions"/>)
/// as a stored column, so a claim limited to a node's partitions filters webhooks by an integer.
/// </summary>
internal static class PostgresLanePartitionSchema
{
    // A generated column, not a value every writer of webhooks must remember to set: the function is
    // LanePartitions.Of to the bit (FNV-1a over the id's UTF-16 code units, low byte then high byte;
    // a character above U+FFFF is its surrogate pair), and PostgresLanePartitionTests holds the two
    // together over ASCII, non-ASCII and astral ids. Both are part of a cluster's stored format.
    public const string Step =
        """
        CREATE FUNCTION herald_lane_partition(id text) RETURNS integer
        LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
        DECLARE
            h bigint := 2166136261;
            c integer;
            u integer;
        BEGIN
            FOR i IN 1 .. length(id) LOOP
                c := ascii(substr(id, i, 1));
                FOREACH u IN ARRAY CASE WHEN c >= 65536 THEN ARRAY[55296 + ((c - 65536) >> 10), 56320 + ((c - 65536) & 1023)] ELSE ARRAY[c] END LOOP
                    h := ((h # (u & 255)) * 16777619) % 4294967296;
                    h := ((h # (u >> 8)) * 16777619) % 4294967296;
                END LOOP;
            END LOOP;
            RETURN (h % 256)::integer;
        END
        $fn$;
        ALTER TABLE webhooks ADD COLUMN lane_partition integer GENERATED ALWAYS AS (herald_lane_partition(id)) STORED;
        """;
}
