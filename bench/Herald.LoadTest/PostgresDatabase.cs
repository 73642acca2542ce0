using System.Globalization;
using Npgsql;

namespace Herald.LoadTest;

/// <summary>
/// A fresh PostgreSQL database for one run, created on the server <c>--database</c> names and dropped
/// afterwards, plus what the report says about the server: its settings that matter for Herald and,
/// when it runs on this machine, the CPU its processes spent (all of them: use an instance of its own).
/// </summary>
internal sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly string _admin;
    private readonly int? _postmasterPid;

    private PostgresDatabase(string admin, string name, string connectionString, string settings, int? postmasterPid)
    {
        _admin = admin;
        Name = name;
        ConnectionString = connectionString;
        Settings = settings;
        _postmasterPid = postmasterPid;
    }

    public string Name { get; }

    /// <summary>The connection string every node gets: the given one, on the fresh database.</summary>
    public string ConnectionString { get; }

    public string Settings { get; }

    public static async Task<PostgresDatabase> CreateAsync(string given, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(given);
        var name = $"herald_load_{Guid.NewGuid():N}"[..32];
        var admin = new NpgsqlConnectionStringBuilder(given) { Database = builder.Database ?? "postgres", Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(cancellationToken);
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var settings = new List<string> { $"PostgreSQL {connection.PostgreSqlVersion}" };
        foreach (var setting in new[] { "max_connections", "shared_buffers", "synchronous_commit", "fsync", "wal_level", "checkpoint_timeout" })
        {
            await using var show = new NpgsqlCommand($"SHOW {setting}", connection);
            settings.Add($"{setting}={await show.ExecuteScalarAsync(cancellationToken)}");
        }

        int? postmaster = null;
        try
        {
            await using var directory = new NpgsqlCommand("SHOW data_directory", connection);
            var pidFile = Path.Combine((string)(await directory.ExecuteScalarAsync(cancellationToken))!, "postmaster.pid");
            if (File.Exists(pidFile))
            {
                postmaster = int.Parse((await File.ReadAllLinesAsync(pidFile, cancellationToken))[0], CultureInfo.InvariantCulture);
            }
        }
        catch (Exception ex) when (ex is PostgresException or IOException or UnauthorizedAccessException or FormatException)
        {
            // Not a local server we can see: no server CPU in the report.
        }

        var node = new NpgsqlConnectionStringBuilder(given) { Database = name };
        return new PostgresDatabase(admin, name, node.ConnectionString, string.Join(", ", settings), postmaster);
    }

    /// <summary>CPU of the server's processes (postmaster and its children) so far; null when it is not local.</summary>
    public TimeSpan? ServerCpu()
    {
        if (_postmasterPid is not { } postmaster)
        {
            return null;
        }

        long ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (pid == postmaster || parent == postmaster)
                {
                    // utime and stime (fields 14 and 15 of stat; 12 and 13 after the name).
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while we looked.
            }
        }

        // USER_HZ is 100 on Linux.
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    /// <summary>The database's size on the server.</summary>
    public async Task<long> SizeAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync(cancellationToken);
        await using var size = new NpgsqlCommand($"SELECT pg_database_size('{Name}')", connection);
        return (long)(await size.ExecuteScalarAsync(cancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(_admin);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException)
        {
            await Console.Error.WriteLineAsync($"could not drop database {Name}: {ex.Message}");
        }
    }
}
