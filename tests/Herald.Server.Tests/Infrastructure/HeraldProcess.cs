using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>
/// Herald as users and operators run it: <c>dotnet Herald.Server.dll</c> (or a published
/// executable) in its own process on a loopback port, on a database file the test chooses (so a
/// test can kill it and start another on the same file) or a PostgreSQL connection string (a
/// cluster node), with the test admin key and 127.0.0.0/8
/// allowed as a delivery target; output captured.
/// </summary>
public sealed class HeraldProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HeraldProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        BaseUrl = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        Client = new HeraldClient(new HttpClient { BaseAddress = new Uri(BaseUrl + "/") }, HeraldHost.AdminKey);
    }

    public int Port { get; }

    public string BaseUrl { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public HeraldClient Client { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts Herald and waits until <c>/readyz</c> answers 200.</summary>
    public static async Task<HeraldProcess> StartAsync(string database, int? port = null, IDictionary<string, string>? environment = null)
    {
        var variables = new Dictionary<string, string?>
        {
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Herald"] = "Information",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            variables[name] = value;
        }

        var herald = Launch(database, port ?? FreePort(), variables, executable: null, workingDirectory: null, arguments: null);
        try
        {
            await Eventually.TrueAsync(herald.IsReadyAsync, TimeSpan.FromSeconds(60), "Herald to answer /readyz");
            return herald;
        }
        catch
        {
            herald.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts the server on a free loopback port with a database of its own; <paramref name="environment"/>
    /// adds variables (a null value removes one). <paramref name="executable"/> runs a published
    /// binary instead of the test's build of Herald.Server.dll.
    /// </summary>
    public static HeraldProcess Start(
        IDictionary<string, string?>? environment = null,
        string? executable = null,
        string? workingDirectory = null,
        IEnumerable<string>? arguments = null)
    {
        return Launch(TempDatabase.NewPath(), FreePort(), environment, executable, workingDirectory, arguments);
    }

    private static HeraldProcess Launch(string database, int port, IDictionary<string, string?>? environment, string? executable, string? workingDirectory, IEnumerable<string>? arguments)
    {
        // A PostgreSQL node has no database file: it runs in a directory of its own.
        workingDirectory ??= database.Contains("Host=", StringComparison.OrdinalIgnoreCase)
            ? Path.GetDirectoryName(TempDatabase.NewPath())!
            : Path.GetDirectoryName(database)!;
        Directory.CreateDirectory(workingDirectory);
        var args = new List<string>();
        if (executable is null)
        {
            args.Add(Path.Combine(AppContext.BaseDirectory, "Herald.Server.dll"));
        }

        args.AddRange(["--urls", $"http://127.0.0.1:{port}"]);
        args.AddRange(arguments ?? []);
        var info = new ProcessStartInfo(executable ?? "dotnet", args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.Environment["HERALD_DATABASE"] = database;
        info.Environment["HERALD_ADMIN_KEY"] = HeraldHost.AdminKey;
        info.Environment["HERALD_ALLOWED_NETWORKS"] = "127.0.0.0/8";
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal) || k.StartsWith("Herald__", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        var server = new HeraldProcess(new Process { StartInfo = info }, port);
        server._process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        server._process.Start();
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Waits until the server answers <c>/readyz</c> with 200; fails with its output if it exits first.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan? timeout = null)
    {
        using var http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.TrueAsync(
            async () =>
            {
                if (_process.HasExited)
                {
                    return true;
                }

                try
                {
                    using var response = await http.GetAsync("/readyz");
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            timeout ?? TimeSpan.FromSeconds(60),
            "the server to be ready");
        Assert.False(_process.HasExited, $"the server exited ({(_process.HasExited ? _process.ExitCode : 0)}): {Output}");
    }

    /// <summary>Waits for the process to end by itself (a refused start); its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as a service manager would: a graceful shutdown.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>Resident set now (VmRSS), in bytes.</summary>
    public long RssBytes() => StatusKilobytes("VmRSS:") * 1024;

    /// <summary>Peak resident set over the process's life (VmHWM), in bytes.</summary>
    public long PeakRssBytes() => StatusKilobytes("VmHWM:") * 1024;

    /// <summary>SIGKILL: no shutdown code runs, leases stay in the database as they were.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private async Task<bool> IsReadyAsync()
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"Herald exited with {_process.ExitCode}: {Output}");
        }

        try
        {
            using var ready = await Client.Http.GetAsync("/readyz");
            return ready.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private long StatusKilobytes(string field)
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
