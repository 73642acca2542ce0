using System.Text;
using Herald.Core.Deliveries;

namespace Herald.Storage.Tests.Postgres;

/// <summary>
/// The database computes webhooks.lane_partition itself (a generated column); it must be
/// <see cref="LanePartitions.Of"/> to the bit, or a node would claim another node's lanes.
/// </summary>
public sealed class PostgresLanePartitionTests
{
    [Fact]
    public async Task LanePartition_ManyIds_SameAsLanePartitionsOf()
    {
        var random = new Random(1234);
        var ids = new List<string>
        {
            string.Empty, "w1", "w2", "a", "webhook-0001", Guid.Empty.ToString(), "é", "ÿĀ", "日本語のID", "😀", "x😀y\U0010FFFF", new string('z', 300),
        };
        for (var i = 0; i < 500; i++)
        {
            ids.Add(Guid.CreateVersion7().ToString());
            ids.Add(RandomText(random));
        }

        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var services = await database.OpenServicesAsync();

        var stored = new List<int>();
        foreach (var chunk in ids.Chunk(200))
        {
            var values = (int[])(await database.ScalarAsync("SELECT array_agg(herald_lane_partition(id) ORDER BY n) FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n)", [chunk]))!;
            stored.AddRange(values);
        }

        Assert.Equal(ids.Select(LanePartitions.Of), stored);
    }

    [Fact]
    public async Task LanePartition_InsertedWebhook_ColumnHoldsItsPartition()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var services = await database.OpenServicesAsync();

        await database.ScalarAsync(
            "INSERT INTO webhooks (id, definition, secrets, status, created_at, modified_at) VALUES ($1, '{}', '', 'ENABLED', 0, 0)", "hook-ß-42");

        Assert.Equal(LanePartitions.Of("hook-ß-42"), await database.ScalarAsync("SELECT lane_partition FROM webhooks WHERE id = $1", "hook-ß-42"));
    }

    /// <summary>Printable text from every plane: ASCII, Latin, CJK and characters above U+FFFF (surrogate pairs).</summary>
    private static string RandomText(Random random)
    {
        var text = new StringBuilder();
        var length = random.Next(1, 24);
        for (var i = 0; i < length; i++)
        {
            var codePoint = random.Next(4) switch
            {
                0 => random.Next(0x20, 0x7F),
                1 => random.Next(0xA0, 0x800),
                2 => random.Next(0x4E00, 0x9FFF),
                _ => random.Next(0x10000, 0x10FFFF),
            };
            text.Append(char.ConvertFromUtf32(codePoint));
        }

        return text.ToString();
    }
}
