namespace Herald.Storage.Postgres;

public sealed class PostgresOptions
{
    /// <summary>
    /// An Npgsql connection string (<c>Host=…;Database=…;Username=…</c>). Pool settings come from it
    /// (<c>Maximum Pool Size</c>, default 100; <c>Timeout</c>); <c>Max Auto Prepare</c> defaults to 64
    /// here when the string does not set it, so the stores' statements are prepared once per connection.
    /// </summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// The schema Herald's tables live in; null (default) uses the connection's <c>search_path</c>
    /// (normally <c>public</c>). A schema of its own is created on start and gets its own change
    /// channel and migration lock, so several installations can share one database. Lower-case
    /// letters, digits and underscores, at most 40 characters.
    /// </summary>
    public string? Schema { get; set; }

    /// <summary>How often <see cref="PostgresClock"/> measures its offset to the database's clock again (default 30 s).</summary>
    public TimeSpan ClockSyncInterval { get; set; } = TimeSpan.FromSeconds(30);
}
