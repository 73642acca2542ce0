using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.EndToEnd;

/// <summary>Starting on a database Herald cannot use: a clear message naming the file and a non-zero exit, never a crash.</summary>
public sealed partial class ProcessTests
{
    [Fact]
    public async Task Start_DatabaseOnReadOnlyFileSystem_ExitsNonZeroNamingTheFile()
    {
        using var disk = TmpfsMount.Create("16m");
        var database = Path.Combine(disk.Path, "data", "herald.db");
        var port = FreePort();
        using (var first = ServerProcess.Start(database, port))
        {
            await first.WaitForOutputAsync("Now listening");
            await first.StopAsync();
        }

        disk.RemountReadOnly();
        using var second = ServerProcess.Start(database, port);
        var exitCode = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.NotEqual(134, exitCode); // SIGABRT: the unhandled-exception crash this replaces
        Assert.Contains(database, second.Output, StringComparison.Ordinal);
        Assert.Contains("Read-only file system", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_FileIsNotADatabase_ExitsNonZeroNamingTheFile()
    {
        var database = TempDatabase.NewPath();
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        await File.WriteAllTextAsync(database, new string('x', 8192));

        using var server = ServerProcess.Start(database, FreePort());
        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.NotEqual(134, exitCode);
        Assert.Contains(database, server.Output, StringComparison.Ordinal);
        Assert.Contains("not a database", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SharedMemoryFileNotWritable_ExitsNonZeroNamingIt()
    {
        using var disk = TmpfsMount.Create("16m");
        var database = Path.Combine(disk.Path, "data", "herald.db");
        var port = FreePort();
        using (var first = ServerProcess.Start(database, port))
        {
            await first.WaitForOutputAsync("Now listening");
            await first.StopAsync();
        }

        // A -shm left behind that this process may not write (immutable: root is refused too).
        var shm = database + "-shm";
        await File.WriteAllBytesAsync(shm, new byte[32 * 1024]);
        Chattr("+i", shm);
        try
        {
            using var second = ServerProcess.Start(database, port);
            var exitCode = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));

            Assert.NotEqual(0, exitCode);
            Assert.NotEqual(134, exitCode);
            Assert.NotEqual(135, exitCode); // SIGBUS
            Assert.Contains($"{shm} cannot be written", second.Output, StringComparison.Ordinal);
        }
        finally
        {
            Chattr("-i", shm);
        }
    }

    private static void Chattr(string flag, string path)
    {
        using var process = System.Diagnostics.Process.Start("chattr", [flag, path]);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task Running_SharedMemoryFileTruncated_LogsAndExitsWithCode1InsteadOfSigbus()
    {
        var database = TempDatabase.NewPath();
        var port = FreePort();
        // Nothing in the background touches the database for minutes, so only this test's own
        // request after the truncation would (and, without the guard, die of SIGBUS).
        using var server = ServerProcess.Start(database, port, new Dictionary<string, string>
        {
            ["HERALD_ADMIN_KEY"] = "hk_shm_test_key_0123456789",
            ["Herald__Dispatcher__MaxIdle"] = "00:10:00",
            ["Herald__Replay__PollInterval"] = "00:10:00",
        });
        await server.WaitForOutputAsync("Now listening");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "hk_shm_test_key_0123456789");
        using (var first = await http.PostAsync("/api/v1/events", new StringContent("""{"event_type":"assets","operation":"update","data":{}}""")))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, first.StatusCode);
        }

        var shm = database + "-shm";
        using (var file = new FileStream(shm, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            file.SetLength(0);
        }

        // Give the guard its poll, then touch the database as any client would.
        await Task.Delay(TimeSpan.FromSeconds(1));
        try
        {
            using var after = await http.PostAsync("/api/v1/events", new StringContent("""{"event_type":"assets","operation":"update","data":{}}"""));
        }
        catch (HttpRequestException)
        {
            // The process is gone: what the guard is for.
        }

        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 1, $"exit code {exitCode} (135 is SIGBUS): {server.Output}");
        Assert.Contains($"{shm} was truncated", server.Output, StringComparison.Ordinal);
    }
}
