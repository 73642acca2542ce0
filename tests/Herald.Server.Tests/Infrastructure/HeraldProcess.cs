using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>
/// Herald as users run it: <c>dotnet Herald.Server.dll</c> in its own process on a loopback port,
/// on a database file the test chooses (so a test can kill it and start another on the same file),
/// with the test admin key and 127.0.0.0/8 allowed as a delivery target.
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
        port ??= FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "Herald.Server.dll");
        var info = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port.Value.ToString(CultureInfo.InvariantCulture)}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(database)!,
        };
        Directory.CreateDirectory(info.WorkingDirectory);
        info.Environment["HERALD_DATABASE"] = database;
        info.Environment["HERALD_ADMIN_KEY"] = HeraldHost.AdminKey;
        info.Environment["HERALD_ALLOWED_NETWORKS"] = "127.0.0.0/8";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Herald"] = "Information";
        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var herald = new HeraldProcess(new Process { StartInfo = info }, port.Value);
        herald._process.OutputDataReceived += (_, e) => herald.Append(e.Data);
        herald._process.ErrorDataReceived += (_, e) => herald.Append(e.Data);
        herald._process.Start();
        herald._process.BeginOutputReadLine();
        herald._process.BeginErrorReadLine();
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
