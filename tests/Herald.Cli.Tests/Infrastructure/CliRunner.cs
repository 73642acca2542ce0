using System.Text;

namespace Herald.Cli.Tests.Infrastructure;

/// <summary>What one <c>herald</c> run printed and exited with.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}

/// <summary>Runs <c>herald</c> in-process through its entry point, with its own environment, stdin and writers.</summary>
public static class CliRunner
{
    public static Task<CliResult> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RunWithInputAsync(environment, stdin: null, args);

    /// <summary>Runs with <paramref name="stdin"/> as standard input.</summary>
    public static async Task<CliResult> RunWithInputAsync(IReadOnlyDictionary<string, string> environment, string? stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = new CliConsole(
            output,
            error,
            () => new MemoryStream(Encoding.UTF8.GetBytes(stdin ?? string.Empty)),
            name => environment.TryGetValue(name, out var value) ? value : null);
        var exitCode = await HeraldCli.RunAsync(args, console, CancellationToken.None);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs and asserts exit 0, returning stdout.</summary>
    public static async Task<string> SucceedAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var result = await RunAsync(environment, args);
        Assert.True(result.ExitCode == 0, $"herald {string.Join(' ', args)}: {result}");
        return result.Output;
    }
}
