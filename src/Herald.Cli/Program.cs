using Herald.Cli;

return await HeraldCli.RunAsync(args, CliConsole.System, CancellationToken.None);
