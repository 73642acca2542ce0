using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.EndToEnd;

/// <summary>The server as users run it: its own process, no admin key configured.</summary>
public sealed partial class ProcessTests
{
    [Fact]
    public async Task FirstStart_NoAdminKey_PrintsKeyOnceAndServes()
    {
        var database = TempDatabase.NewPath();
        var port = FreePort();
        string key;
        using (var first = ServerProcess.Start(database, port))
        {
            await first.WaitForOutputAsync("Now listening");
            key = AdminKeyPattern().Match(first.Output).Groups[1].Value;
            Assert.StartsWith("hk_", key, StringComparison.Ordinal);

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using (var health = await http.GetAsync("/healthz"))
            {
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/webhooks");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var list = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            await first.StopAsync();
        }

        using var second = ServerProcess.Start(database, port);
        await second.WaitForOutputAsync("Now listening");
        Assert.DoesNotMatch(AdminKeyPattern(), second.Output);
        Assert.DoesNotContain(key, second.Output, StringComparison.Ordinal);
        await second.StopAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"admin API key.*?(hk_[A-Za-z0-9_-]+)")]
    private static partial Regex AdminKeyPattern();

    private sealed class ServerProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private ServerProcess(Process process) => _process = process;

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

        public static ServerProcess Start(string database, int port, IReadOnlyDictionary<string, string>? environment = null)
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "Herald.Server.dll");
            var info = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Path.GetDirectoryName(database)!,
            };
            Directory.CreateDirectory(info.WorkingDirectory);
            info.Environment["HERALD_DATABASE"] = database;
            info.Environment.Remove("HERALD_ADMIN_KEY");
            foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            {
                info.Environment[name] = value;
            }

            var server = new ServerProcess(new Process { StartInfo = info });
            server._process.OutputDataReceived += (_, e) => server.Append(e.Data);
            server._process.ErrorDataReceived += (_, e) => server.Append(e.Data);
            server._process.Start();
            server._process.BeginOutputReadLine();
            server._process.BeginErrorReadLine();
            return server;
        }

        public Task WaitForOutputAsync(string text) =>
            Eventually.TrueAsync(() => Output.Contains(text, StringComparison.Ordinal) || _process.HasExited, TimeSpan.FromSeconds(60), text)
                .ContinueWith(t => Assert.False(_process.HasExited, $"the server exited: {Output}"), TaskScheduler.Default);

        /// <summary>Waits for the process to end by itself; its exit code.</summary>
        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cancel.Token);
            return _process.ExitCode;
        }

        public async Task StopAsync()
        {
            // SIGTERM, as a service manager would: a graceful shutdown.
            Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).WaitForExit();
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

        private void Append(string? line)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
