using System.CommandLine;
using Herald.Cli.Commands;

namespace Herald.Cli;

/// <summary>The <c>herald</c> command tree and its entry point, callable in-process by tests.</summary>
internal static class HeraldCli
{
    public static RootCommand Build(CliConsole console)
    {
        var globals = new GlobalOptions();
        var actions = new CommandActions(console, globals);
        var root = new RootCommand("herald: manage a Herald webhook server, publish events, and receive webhooks locally.");
        globals.AddTo(root);
        root.Add(WebhooksCommand.Create(actions));
        root.Add(EventsCommand.Create(actions));
        root.Add(DeliveriesCommand.Create(actions));
        root.Add(QueryCommand.Create(actions));
        root.Add(ListenCommand.Create(actions));
        return root;
    }

    /// <summary>Parses and runs; usage errors print the problem and exit 2 (System.CommandLine's own default is 1).</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken)
    {
        var parseResult = Build(console).Parse(args);
        if (parseResult.Errors.Count > 0 && parseResult.Action is not { ClearsParseErrors: true })
        {
            foreach (var error in parseResult.Errors)
            {
                await console.Error.WriteLineAsync($"error: {error.Message}");
            }

            await console.Error.WriteLineAsync($"Run 'herald {string.Join(' ', CommandPath(parseResult))} --help' for usage.".Replace("  ", " ", StringComparison.Ordinal));
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = console.Output,
            Error = console.Error,
            // In-process callers (tests) cancel through the token; only a real process hooks Ctrl+C and SIGTERM.
            ProcessTerminationTimeout = console.HandlesTermination ? TimeSpan.FromSeconds(5) : null,
        };
        return await parseResult.InvokeAsync(configuration, cancellationToken);
    }

    private static IEnumerable<string> CommandPath(ParseResult parseResult)
    {
        var names = new Stack<string>();
        for (var result = parseResult.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
        {
            names.Push(result.Command.Name);
        }

        return names;
    }
}
