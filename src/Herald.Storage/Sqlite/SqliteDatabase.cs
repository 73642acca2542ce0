using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// The database file: read connections come from the driver's pool (WAL lets them run beside the
/// writer); every write goes through the single <see cref="SqliteWriter"/>.
/// </summary>
internal sealed class SqliteDatabase
{
    /// <summary>
    /// Replaces one 64 KiB row, a write the size of a batch of events: a probe of a few bytes fits
    /// into the pages a failed write left at the end of the WAL file on a full disk and would report
    /// the disk writable.
    /// </summary>
    internal const string WriteProbe = "INSERT OR REPLACE INTO write_probe (id, pad) VALUES (1, zeroblob(65536));";

    public SqliteDatabase(SqliteOptions options)
    {
        Options = options;
        var full = System.IO.Path.GetFullPath(options.Path);
        FilePath = full;
        var directory = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory))
        {
            try
            {
                Directory.CreateDirectory(directory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new StorageStartupException($"Cannot use the database {full}: its folder cannot be created ({ex.Message})", ex);
            }
        }

        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public SqliteOptions Options { get; }

    public string ConnectionString { get; }

    /// <summary>The database file's full path.</summary>
    public string FilePath { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 30000;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// Migrates and proves the file can be written, so a read-only, unreadable or full database
    /// stops the start with a <see cref="StorageStartupException"/> naming the file and the problem
    /// instead of failing the first request.
    /// </summary>
    public void Start()
    {
        try
        {
            Migrate();
            using var connection = Open();
            if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
            {
                // SQLite falls back to a read-only open when the file cannot be opened for writing.
                throw new StorageStartupException($"Cannot use the database {FilePath}: the file is read-only (no write permission or a read-only file system)");
            }

            using var transaction = connection.BeginTransaction();
            using var probe = connection.CreateCommand();
            probe.Transaction = transaction;
            // The probe's table is operational, not part of the data model, so it is not a migration step.
            probe.CommandText = "CREATE TABLE IF NOT EXISTS write_probe (id INTEGER PRIMARY KEY, pad BLOB NOT NULL);\n" + WriteProbe;
            probe.ExecuteNonQuery();
            transaction.Commit();
        }
        catch (SqliteException ex)
        {
            var problem = StorageFailures.Describe(ex.SqliteErrorCode & 0xFF) ?? "SQLite refused it";
            var why = WhyNotWritable() is { } cause ? $"; {cause}" : string.Empty;
            throw new StorageStartupException($"Cannot use the database {FilePath}: {problem} ({ex.Message}){why}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StorageStartupException($"Cannot use the database {FilePath}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// SQLite says "unable to open database file" for a WAL database whose folder is read-only (it
    /// cannot create the -shm); the file system says why.
    /// </summary>
    private string? WhyNotWritable()
    {
        string[] paths = [FilePath, FilePath + "-wal", FilePath + "-shm"];
        foreach (var path in paths.Where(File.Exists))
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return $"{path} cannot be written: {ex.Message}";
            }
        }

        var folder = System.IO.Path.GetDirectoryName(FilePath)!;
        var probe = System.IO.Path.Combine(folder, $".herald-write-check-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"the folder {folder} cannot be written (SQLite creates its -wal and -shm files there): {ex.Message}";
        }
    }

    /// <summary>Applies pending migrations; safe to call on every start.</summary>
    public void Migrate()
    {
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode = WAL;");
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);");

        // The migration lock: an exclusive transaction from reading the version to the last step,
        // so a second process starting at the same time waits (busy timeout) and then finds the
        // steps applied. A deferred transaction would read first and fail to upgrade to a writer.
        Execute(connection, "BEGIN EXCLUSIVE;");
        try
        {
            using var read = connection.CreateCommand();
            read.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version;";
            var current = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            for (var step = current; step < SqliteMigrations.Steps.Length; step++)
            {
                Execute(connection, SqliteMigrations.Steps[step] + $"\nINSERT INTO schema_version (version) VALUES ({step + 1});");
            }

            Execute(connection, "COMMIT;");
        }
        catch
        {
            Execute(connection, "ROLLBACK;");
            throw;
        }
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
