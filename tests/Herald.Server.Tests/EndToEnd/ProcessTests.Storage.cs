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
}
