using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Packaging;

/// <summary>
/// docs/deployment.md: the documented publish command makes one self-contained file,
/// <c>herald-server</c>, that runs from an empty folder. Slow (a full publish), so one test.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SingleFilePublishTests
{
    [Fact]
    public async Task Publish_LinuxX64SingleFile_StartsFromCleanDirectoryAndServesReadyz()
    {
        var work = SourceTree.NewTempDirectory("publish");
        var source = SourceTree.CopyTo(Directory.CreateDirectory(Path.Combine(work, "source")).FullName);
        var output = Path.Combine(work, "out");

        // The command of docs/deployment.md, run in a copy of the sources.
        var (exitCode, log) = await SourceTree.RunAsync(
            "dotnet",
            ["publish", "src/Herald.Server", "-c", "Release", "-r", "linux-x64", "-p:PublishSingleFile=true", "-o", output],
            source,
            TimeSpan.FromMinutes(20));
        Assert.True(exitCode == 0, log);

        var binary = Path.Combine(output, "herald-server");
        Assert.True(File.Exists(binary), $"no herald-server in {output}: {string.Join(", ", Directory.GetFiles(output).Select(Path.GetFileName))}");
        Assert.Empty(Directory.GetFiles(output, "*.dll"));
        Assert.Equal("\u007fELF"u8.ToArray(), File.ReadAllBytes(binary)[..4]);

        // Only the file itself, in a folder of its own: no runtime, no appsettings, no database.
        var clean = Directory.CreateDirectory(Path.Combine(work, "clean")).FullName;
        var installed = Path.Combine(clean, "herald-server");
        File.Copy(binary, installed);
        File.SetUnixFileMode(installed, File.GetUnixFileMode(binary));
        using var herald = HeraldProcess.Start(
            new Dictionary<string, string?> { ["HERALD_DATABASE"] = null, ["DOTNET_ROOT"] = null },
            executable: installed,
            workingDirectory: clean);
        await herald.WaitUntilReadyAsync(TimeSpan.FromMinutes(2));

        using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl) };
        Assert.Equal("""{"status":"ready"}""", await http.GetStringAsync("/readyz"));
        Assert.True(File.Exists(Path.Combine(clean, "data", "herald.db")), "the default database beside the working directory");
        await herald.StopAsync();
        Assert.Equal(0, herald.ExitCode);
        Directory.Delete(work, recursive: true);
    }
}
