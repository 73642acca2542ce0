namespace Herald.Cli;

/// <summary>
/// The process surroundings a command may touch: output, error, input and environment variables.
/// Tests pass their own, so commands run in-process exactly as they do from a shell.
/// </summary>
internal sealed class CliConsole(TextWriter output, TextWriter error, Func<Stream> openInput, Func<string, string?> environment)
{
    public static CliConsole System { get; } = new(Console.Out, Console.Error, Console.OpenStandardInput, global::System.Environment.GetEnvironmentVariable)
    {
        HandlesTermination = true,
    };

    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>True for a real process: Ctrl+C and SIGTERM cancel the running command.</summary>
    public bool HandlesTermination { get; init; }

    public Stream OpenInput() => openInput();

    public string? Environment(string name) => environment(name);
}
