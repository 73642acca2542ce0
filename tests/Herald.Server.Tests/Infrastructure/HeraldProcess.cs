using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>
/// Herald as an operator runs it: its own process (<c>dotnet Herald.Server.dll</c>, or a published
/// executable), its own environment, output captured.
/// </summary>
public sealed class HeraldProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HeraldProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

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
        var port = FreePort();
        var database = TempDatabase.NewPath();
        workingDirectory ??= Path.GetDirectoryName(database)!;
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

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
