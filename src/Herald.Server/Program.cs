using Herald.Server.Hosting;
using Herald.Storage;

// The content root is the install directory, not the working directory: configuration files are
// watched for changes under the content root, and the default database lives under the working
// directory, so every database write would otherwise wake the file watcher.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
try
{
    builder.AddHerald();
}
catch (StorageStartupException ex)
{
    // A database Herald cannot use (read-only, unreadable, full) is an operator's problem to fix:
    // say which file and why, and exit non-zero instead of crashing with a stack trace.
    await Console.Error.WriteLineAsync($"Herald cannot start. {ex.Message}");
    return 1;
}

var app = builder.Build();
await app.UseHeraldAsync();
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to the end-to-end tests.</summary>
public partial class Program;
