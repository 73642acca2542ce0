using System.Runtime.InteropServices;
using Herald.LoadTest;

var options = LoadTestOptions.Parse(args, out var error);
if (options is null)
{
    await Console.Error.WriteLineAsync(error is { Length: > 0 } ? $"{error}{Environment.NewLine}{Environment.NewLine}{LoadTestOptions.Usage}" : LoadTestOptions.Usage);
    return error is { Length: > 0 } ? 64 : 0;
}

// Herald must not outlive the run. The first Ctrl+C, SIGTERM or SIGHUP cancels the run, which then
// kills Herald and deletes its database as it unwinds; a second one ends the process at once, and
// ProcessExit still kills Herald and deletes the database.
HeraldNodes? herald = null;
using var cancel = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    if (!cancel.IsCancellationRequested)
    {
        context.Cancel = true;
        cancel.Cancel();
    }
}

using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var onHangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);
AppDomain.CurrentDomain.ProcessExit += (_, _) => Volatile.Read(ref herald)?.KillAndDelete();

try
{
    return await new LoadTestRun(options, Console.Out, h => Volatile.Write(ref herald, h)).RunAsync(cancel.Token);
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("cancelled; Herald stopped and its database deleted");
    return 130;
}
catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or FileNotFoundException or HttpRequestException or IOException)
{
    await Console.Error.WriteLineAsync($"FAILED: {ex.Message}");
    return ex is TimeoutException ? 2 : 1;
}
