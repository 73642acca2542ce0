using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Herald.LoadTest;

/// <summary>
/// Herald as users run it: <c>dotnet Herald.Server.dll</c> in its own process on a free loopback port,
/// with a fresh SQLite database in a temporary directory that is deleted when the process is gone,
/// or on a PostgreSQL database the run created (a cluster node).
/// </summary>
internal sealed class HeraldProcess : IAsyncDisposable
{
    private const int KeptOutputLines = 200;
    private Process _process;
    private readonly string _directory;
    private readonly Queue<string> _output = new();

    private readonly bool _postgres;

    private HeraldProcess(Process process, string directory, Uri baseAddress, string adminKey, bool postgres)
    {
        _process = process;
        _directory = directory;
        _postgres = postgres;
        BaseAddress = baseAddress;
        AdminKey = adminKey;
    }

    public Uri BaseAddress { get; }

    public string AdminKey { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string DatabasePath => Path.Combine(_directory, "herald.db");

    /// <summary>The last lines Herald wrote (warnings and errors only: its log level is Warning).</summary>
    public string RecentOutput
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    /// <summary>The given path, or the Release build under <c>src/Herald.Server</c> found upwards from here.</summary>
    public static string LocateServerDll(string? given)
    {
        if (given is not null)
        {
            return File.Exists(given) ? Path.GetFullPath(given) : throw new FileNotFoundException($"--server-dll {given} does not exist");
        }

        var relative = Path.Combine("src", "Herald.Server", "bin", "Release", "net10.0", "Herald.Server.dll");
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, relative);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException("Herald.Server.dll (Release) was not found; build it first: dotnet build -c Release src/Herald.Server, or pass --server-dll");
    }

    /// <summary>
    /// Starts one Herald: on a fresh SQLite file when <paramref name="database"/> is null, else on that
    /// PostgreSQL connection string (every node of a cluster gets the same one and the same admin key).
    /// </summary>
    public static async Task<HeraldProcess> StartAsync(
        string serverDll, string? database, string adminKey, IEnumerable<KeyValuePair<string, string>> environment, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"herald-load-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet", [serverDll, "--urls", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        info.Environment["HERALD_DATABASE"] = database ?? Path.Combine(directory, "herald.db");
        info.Environment["HERALD_ADMIN_KEY"] = adminKey;
        info.Environment["HERALD_ALLOWED_NETWORKS"] = "127.0.0.0/8";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var herald = new HeraldProcess(new Process { StartInfo = info }, directory, new Uri($"http://127.0.0.1:{port}"), adminKey, database is not null);
        herald._process.OutputDataReceived += (_, e) => herald.Keep(e.Data);
        herald._process.ErrorDataReceived += (_, e) => herald.Keep(e.Data);
        try
        {
            herald._process.Start();
            herald._process.BeginOutputReadLine();
            herald._process.BeginErrorReadLine();
            await herald.WaitUntilReadyAsync(cancellationToken);
            return herald;
        }
        catch
        {
            await herald.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Stops Herald as a service manager does (SIGTERM, waiting for it to exit) and starts it again on
    /// the same database, port and key; returns how long the new process took from its start to
    /// answering <c>/readyz</c> with 200.
    /// </summary>
    public async Task<TimeSpan> RestartAsync(CancellationToken cancellationToken)
    {
        using (var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            await term!.WaitForExitAsync(cancellationToken);
        }

        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            wait.CancelAfter(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(wait.Token);
        }

        var info = _process.StartInfo;
        _process.Dispose();
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        var started = Stopwatch.StartNew();
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilReadyAsync(cancellationToken, TimeSpan.FromMilliseconds(10));
        return started.Elapsed;
    }

    /// <summary>Peak resident set over the process's life (VmHWM), in bytes.</summary>
    public long PeakRssBytes() => ReadStatusKilobytes("VmHWM:") * 1024;

    public long RssBytes() => ReadStatusKilobytes("VmRSS:") * 1024;

    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.HasExited ? TimeSpan.Zero : _process.TotalProcessorTime;
    }

    /// <summary>Sizes of the database file and of its write-ahead log (zero on PostgreSQL: the run asks the server).</summary>
    public (long Database, long Wal) DatabaseBytes() => _postgres ? (0, 0) : (Size(DatabasePath), Size(DatabasePath + "-wal"));

    /// <summary>Kills Herald at once (idempotent, safe from any thread).</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
    }

    /// <summary>For a process that is exiting anyway: kill Herald and remove its directory, synchronously.</summary>
    public void KillAndDelete()
    {
        Kill();
        try
        {
            _process.WaitForExit(5_000);
            Directory.Delete(_directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            // Best effort on the way out.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // Not started, or it would not die: the directory is still removed below as far as possible.
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            await Console.Error.WriteLineAsync($"could not delete {_directory}");
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken, TimeSpan? poll = null)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Herald exited with code {_process.ExitCode} while starting:{Environment.NewLine}{RecentOutput}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // A slow first answer; ask again.
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        throw new TimeoutException($"Herald did not become ready within 60 s:{Environment.NewLine}{RecentOutput}");
    }

    private long ReadStatusKilobytes(string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var digits = line.AsSpan(field.Length).Trim().TrimEnd("kB").Trim();
                    return long.Parse(digits, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // The process is gone.
        }

        return 0;
    }

    private static long Size(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > KeptOutputLines)
            {
                _output.Dequeue();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
