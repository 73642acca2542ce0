namespace Herald.Cli;

/// <summary>A failure with a message for the user and the exit code it maps to.</summary>
internal class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(ExitCodes.Usage, message);
}
