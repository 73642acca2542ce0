namespace Herald.Storage.Postgres;

public sealed class PostgresOptions
{
    /// <summary>
    /// An Npgsql connection string (<c>Host=…;Database=…;Username=…</c>). Pool settings come from it
    /// (<c>Maximum Pool Size</c>, default 100; <c>Timeout</c>); <c>Max Auto Prepare</c> defaults to 64
    /// here when the string does not set it, so the stores' statements are prepared once per connection.
    /// </summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>How often <see cref="PostgresClock"/> measures its offset to the database's clock again (default 30 s).</summary>
    public TimeSpan ClockSyncInterval { get; set; } = TimeSpan.FromSeconds(30);
}
