using System.Globalization;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Event and delivery ids are UUIDv7 strings minted from the time they were stored, so their text
/// sorts by that time: the primary key doubles as a time index. A time's bound is the id prefix
/// holding its 48-bit millisecond stamp (<c>xxxxxxxx-xxxx</c>); every id minted at or after that
/// millisecond sorts above it, every earlier one below. Queries still check the stored time, so an
/// id of another shape can be missed by a range scan, never wrongly included.
/// </summary>
internal static class TimeOrderedIds
{
    public static string LowerBound(DateTimeOffset time)
    {
        var ms = Math.Max(0, time.ToUnixTimeMilliseconds());
        var hex = ms.ToString("x12", CultureInfo.InvariantCulture);
        return string.Concat(hex.AsSpan(0, 8), "-", hex.AsSpan(8, 4));
    }
}
