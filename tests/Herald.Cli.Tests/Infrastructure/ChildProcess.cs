using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Herald.Cli.Tests.Infrastructure;

/// <summary>A <c>dotnet app.dll</c> child process whose output lines are collected as they come; killed on dispose.</summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private ChildProcess(Process process) => _process = process;

    public IReadOnlyList<string> StandardOutput => _stdout.ToArray();

    public IReadOnlyList<string> StandardError => _stderr.ToArray();

    public bool HasExited => _process.HasExited;

    public string OutputText => string.Join('\n', StandardOutput);

    public static ChildProcess Start(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(Built.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Children must not inherit settings meant for this test host.
        info.Environment.Remove("HERALD_URL");
        info.Environment.Remove("HERALD_KEY");
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) child._stdout.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) child._stderr.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for a line on stdout or stderr; fails early, with the output, if the process ends.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, string what, TimeSpan? timeout = null)
    {
        string? found = null;
        await Eventually.TrueAsync(
            () =>
            {
                found = StandardOutput.Concat(StandardError).FirstOrDefault(predicate);
                if (found is null && _process.HasExited)
                {
                    throw new InvalidOperationException($"The process exited ({_process.ExitCode}) before {what}:\n{Describe()}");
                }

                return found is not null;
            },
            what,
            timeout);
        return found!;
    }

    public string Describe() => $"stdout:\n{string.Join('\n', StandardOutput)}\nstderr:\n{string.Join('\n', StandardError)}";

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>A port that was free a moment ago (for processes that take <c>--urls</c>).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
