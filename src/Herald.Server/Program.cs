using Herald.Server.Hosting;
using Herald.Storage;

// The content root is the install directory, not the working directory: configuration files are
// watched for changes under the content root, and the default database lives under the working
// directory, so every database write would otherwise wake the file watcher.
try
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddHerald();
    var app = builder.Build();
    await app.UseHeraldAsync();
    await app.RunAsync();
    return 0;
}
catch (StorageStartupException ex)
{
    // A database Herald cannot use (read-only, unreadable, full) is an operator's problem to fix:
    // say which file and why, and exit non-zero instead of crashing with a stack trace.
    await Console.Error.WriteLineAsync($"Herald cannot start. {ex.Message}");
    return 1;
}
catch (Exception ex) when (HeraldStartup.IsBadSetting(ex))
{
    // A bad setting stops the process with a message naming it (no stack trace) and exit code 2.
    return HeraldStartup.ReportBadSetting(ex, Console.Error);
}

/// <summary>Entry point, visible to the end-to-end tests.</summary>
public partial class Program;
