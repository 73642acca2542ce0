using Herald.Core.Deliveries;

namespace Herald.Core.Tests.Deliveries;

public sealed class LanePartitionsTests
{
    [Fact]
    public void Of_KnownIds_SameValuesInEveryVersion()
    {
        // Nodes of different versions share a cluster during an upgrade: the hash is stored format.
        Assert.Equal((int)(2166136261u % LanePartitions.Count), LanePartitions.Of(string.Empty));
        Assert.Equal(Fnv("w1"), LanePartitions.Of("w1"));
        Assert.Equal(Fnv("0193a5f2-7c1e-7d1a-9b7e-4f5a6b7c8d9e"), LanePartitions.Of("0193a5f2-7c1e-7d1a-9b7e-4f5a6b7c8d9e"));
    }

    [Fact]
    public void Of_ManyIds_SpreadOverEveryPartition()
    {
        var counts = new int[LanePartitions.Count];
        for (var i = 0; i < 256_000; i++)
        {
            counts[LanePartitions.Of(Guid.CreateVersion7().ToString())]++;
        }

        Assert.All(counts, count => Assert.InRange(count, 700, 1300));
    }

    /// <summary>FNV-1a, 32 bits, over the little-endian UTF-16 bytes of the id, written out independently.</summary>
    private static int Fnv(string id)
    {
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.Unicode.GetBytes(id))
        {
            hash ^= b;
            hash *= 16777619u;
        }

        return (int)(hash % LanePartitions.Count);
    }
}
