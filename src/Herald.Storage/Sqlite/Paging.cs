namespace Herald.Storage.Sqlite;

internal static class Paging
{
    /// <summary>Queries fetch one row more than asked; its presence means there is a next page.</summary>
    public static Page<T> Cut<T>(List<T> rows, int limit, Func<T, string> key)
    {
        if (rows.Count <= limit)
        {
            return new Page<T>(rows, null);
        }

        rows.RemoveRange(limit, rows.Count - limit);
        return new Page<T>(rows, key(rows[^1]));
    }
}
