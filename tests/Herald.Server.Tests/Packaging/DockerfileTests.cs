using System.Text.Json;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Packaging;

/// <summary>
/// deploy/Dockerfile, checked without a Docker engine: parsed into its instructions, its rules
/// asserted (non-root user, healthcheck on /readyz, data volume), and its healthcheck command run
/// against a real Herald.
/// </summary>
public sealed class DockerfileTests
{
    private static readonly HashSet<string> Instructions =
    [
        "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
    ];

    [Fact]
    public void Dockerfile_Parsed_NonRootUserHealthcheckOnReadyzAndDataVolume()
    {
        var instructions = Parse(File.ReadAllText(SourceTree.PathOf("deploy/Dockerfile")));

        Assert.All(instructions, i => Assert.Contains(i.Keyword, Instructions));
        var stages = Split(instructions);
        Assert.Equal(2, stages.Count);
        var (build, runtime) = (stages[0], stages[1]);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0 ", build[0].Arguments, StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime-deps:10.0 ", runtime[0].Arguments, StringComparison.Ordinal);

        // Built with the documented single-file publish, from files that exist.
        Assert.Contains(build, i => i.Keyword == "RUN" && i.Arguments == "dotnet publish src/Herald.Server -c Release -r linux-x64 -p:PublishSingleFile=true -o /out");
        foreach (var copy in build.Where(i => i.Keyword == "COPY"))
        {
            var sources = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1];
            Assert.All(sources, s => Assert.True(File.Exists(SourceTree.PathOf(s)) || Directory.Exists(SourceTree.PathOf(s)), $"COPY {s}: not in the repository"));
        }

        // Runs the copied binary as the image's unprivileged user, never root.
        var user = Assert.Single(runtime, i => i.Keyword == "USER").Arguments;
        Assert.DoesNotContain(user, (string[])["root", "0", "0:0"]);
        Assert.Equal("$APP_UID", user);
        var entrypoint = JsonSerializer.Deserialize<string[]>(Assert.Single(runtime, i => i.Keyword == "ENTRYPOINT").Arguments)!;
        Assert.Equal("/app/herald-server", entrypoint[0]);
        Assert.Contains(runtime, i => i.Keyword == "COPY" && i.Arguments == "--from=build /out/herald-server /app/herald-server");
        Assert.Equal(["--urls", "http://0.0.0.0:5080"], entrypoint[1..]);
        Assert.Contains(runtime, i => i.Keyword == "EXPOSE" && i.Arguments == "5080");

        // The database lives on the volume.
        var volume = JsonSerializer.Deserialize<string[]>(Assert.Single(runtime, i => i.Keyword == "VOLUME").Arguments)!;
        Assert.Equal(["/var/lib/herald"], volume);
        Assert.Contains(runtime, i => i.Keyword == "ENV" && i.Arguments.Contains("HERALD_DATABASE=/var/lib/herald/herald.db", StringComparison.Ordinal));
        Assert.Contains(runtime, i => i.Keyword == "RUN" && i.Arguments.Contains("chown \"$APP_UID\" /var/lib/herald", StringComparison.Ordinal));

        var healthcheck = HealthcheckCommand(runtime);
        Assert.Contains("/readyz", healthcheck[^1], StringComparison.Ordinal);
        Assert.Contains("127.0.0.1/5080", healthcheck[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task DockerfileHealthcheck_AgainstRealServer_PassesWhenReadyAndFailsWhenDown()
    {
        var command = HealthcheckCommand(Split(Parse(File.ReadAllText(SourceTree.PathOf("deploy/Dockerfile"))))[1]);
        using var herald = HeraldProcess.Start();
        await herald.WaitUntilReadyAsync();

        var up = await RunAsync(command, herald.Port);
        await herald.StopAsync();
        var down = await RunAsync(command, herald.Port);

        Assert.True(up.ExitCode == 0, up.Output);
        Assert.NotEqual(0, down.ExitCode);
    }

    private static Task<(int ExitCode, string Output)> RunAsync(string[] command, int port) =>
        SourceTree.RunAsync(command[0], command[1..].Select(a => a.Replace("127.0.0.1/5080", $"127.0.0.1/{port}", StringComparison.Ordinal)), Path.GetTempPath(), TimeSpan.FromSeconds(30));

    private static string[] HealthcheckCommand(List<Instruction> stage)
    {
        var healthcheck = Assert.Single(stage, i => i.Keyword == "HEALTHCHECK").Arguments;
        var cmd = healthcheck.IndexOf(" CMD ", StringComparison.Ordinal);
        Assert.True(cmd > 0, healthcheck);
        Assert.Contains("--interval=", healthcheck[..cmd], StringComparison.Ordinal);
        return JsonSerializer.Deserialize<string[]>(healthcheck[(cmd + 5)..])!;
    }

    private static List<List<Instruction>> Split(List<Instruction> instructions)
    {
        var stages = new List<List<Instruction>>();
        foreach (var instruction in instructions)
        {
            if (instruction.Keyword == "FROM")
            {
                stages.Add([]);
            }

            Assert.True(stages.Count > 0, $"{instruction.Keyword} before the first FROM");
            stages[^1].Add(instruction);
        }

        return stages;
    }

    /// <summary>Dockerfile lines: comments and blank lines dropped, <c>\</c> continuations joined.</summary>
    private static List<Instruction> Parse(string text)
    {
        var instructions = new List<Instruction>();
        var pending = string.Empty;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith('#') || (pending.Length == 0 && line.Trim().Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1].Trim() + " ";
                continue;
            }

            var whole = (pending + line.Trim()).Trim();
            pending = string.Empty;
            var space = whole.IndexOf(' ', StringComparison.Ordinal);
            Assert.True(space > 0, $"'{whole}' has no arguments");
            instructions.Add(new Instruction(whole[..space], whole[(space + 1)..].Trim()));
        }

        Assert.Equal(string.Empty, pending);
        return instructions;
    }

    private sealed record Instruction(string Keyword, string Arguments);
}
