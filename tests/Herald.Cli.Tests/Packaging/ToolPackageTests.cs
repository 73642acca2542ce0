using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Xml.Linq;
using Herald.Cli.Tests.Infrastructure;

namespace Herald.Cli.Tests.Packaging;

/// <summary>
/// The <c>herald</c> command ships as a .NET tool: packed from the sources, installed from the
/// local package only (no other feed), it runs <c>herald --help</c>.
/// </summary>
public sealed class ToolPackageTests
{
    [Fact]
    public async Task Pack_InstallFromLocalPackage_RunsHelp()
    {
        var work = Built.TempDirectory();
        var source = Directory.CreateDirectory(Path.Combine(work, "source")).FullName;
        CopySources(source);
        var packages = Path.Combine(work, "packages");

        var pack = await RunAsync("dotnet", ["pack", "src/Herald.Cli", "-c", "Release", "-o", packages], source);
        Assert.True(pack.ExitCode == 0, pack.Output);

        var package = Assert.Single(Directory.GetFiles(packages, "Herald.Cli.*.nupkg"));
        var version = Path.GetFileNameWithoutExtension(package)["Herald.Cli.".Length..];
        AssertPackageMetadata(package);

        // A feed of exactly this folder: the install cannot pick up a package of the same name elsewhere.
        var config = Path.Combine(work, "nuget.config");
        File.WriteAllText(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{packages}" />
              </packageSources>
            </configuration>
            """);
        var tools = Path.Combine(work, "tools");
        var install = await RunAsync("dotnet", ["tool", "install", "Herald.Cli", "--version", version, "--tool-path", tools, "--configfile", config], work);
        Assert.True(install.ExitCode == 0, install.Output);

        var help = await RunAsync(Path.Combine(tools, "herald"), ["--help"], work);
        Assert.True(help.ExitCode == 0, help.Output);
        Assert.Contains("Usage:", help.Output, StringComparison.Ordinal);
        Assert.Contains("webhooks", help.Output, StringComparison.Ordinal);
        Assert.Contains("listen", help.Output, StringComparison.Ordinal);
        Directory.Delete(work, recursive: true);
    }

    private static void AssertPackageMetadata(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspec.Open();
        var metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        var license = metadata.Elements().Single(e => e.Name.LocalName == "license");
        Assert.Equal("expression", license.Attribute("type")!.Value);
        Assert.Equal("Apache-2.0", license.Value);
        Assert.Contains(zip.Entries, e => e.FullName == "tools/net10.0/any/DotnetToolSettings.xml");
    }

    private static void CopySources(string destination)
    {
        var root = RepositoryRoot();
        foreach (var file in (string[])["global.json", "Directory.Build.props", "Directory.Packages.props", ".editorconfig", "LICENSE"])
        {
            File.Copy(Path.Combine(root, file), Path.Combine(destination, file));
        }

        foreach (var project in (string[])["Herald.Cli", "Herald.Receiver", "Herald.Signing"])
        {
            CopyDirectory(Path.Combine(root, "src", project), Path.Combine(destination, "src", project));
        }
    }

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.EnumerateDirectories(source).Where(d => Path.GetFileName(d) is not ("bin" or "obj")))
        {
            CopyDirectory(directory, Path.Combine(destination, Path.GetFileName(directory)));
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Herald.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Herald.sln above {AppContext.BaseDirectory}");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> arguments, string workingDirectory)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        process.WaitForExit();
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
