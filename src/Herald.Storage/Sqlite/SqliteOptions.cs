namespace Herald.Storage.Sqlite;

public sealed class SqliteOptions
{
    /// <summary>Path of the database file; its folder is created when missing.</summary>
    public string Path { get; set; } = "./data/herald.db";

    /// <summary>
    /// <c>FULL</c> (default) fsyncs every group commit, so an accepted event survives power loss;
    /// <c>NORMAL</c> survives a process crash only, and is faster.
    /// </summary>
    public string Synchronous { get; set; } = "FULL";

    /// <summary>Most write requests folded into one transaction by the group-commit writer.</summary>
    public int MaxBatch { get; set; } = 512;

    /// <summary>New WAL pages that wake the background checkpoint (SQLite's own default; smaller in tests).</summary>
    internal int CheckpointPages { get; set; } = 1_000;

    /// <summary>New WAL pages (about 64 MB) after which the writer checkpoints between two transactions, so the WAL starts over.</summary>
    internal int WalRestartPages { get; set; } = 16_000;
}
