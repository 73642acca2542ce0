using System.CommandLine;
using Herald.Cli.Api;

namespace Herald.Cli.Commands;

/// <summary>Runs command bodies with one error policy: a message on stderr and the matching exit code.</summary>
internal sealed class CommandActions(CliConsole console, GlobalOptions globals)
{
    public GlobalOptions Globals => globals;

    public void Set(Command command, Func<CommandContext, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var context = new CommandContext(parseResult, console, globals);
            try
            {
                return await action(context, cancellationToken);
            }
            catch (HeraldApiException exception)
            {
                await WriteErrorAsync(exception.Message, exception.Path);
                return exception.ExitCode;
            }
            catch (CliException exception)
            {
                await WriteErrorAsync(exception.Message, path: null);
                return exception.ExitCode;
            }
        });

    private async Task WriteErrorAsync(string message, string? path)
    {
        await console.Error.WriteLineAsync($"error: {message}");
        if (!string.IsNullOrEmpty(path) && path != "$")
        {
            await console.Error.WriteLineAsync($"  at: {path}");
        }
    }
}
