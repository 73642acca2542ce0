using Herald.Server.Hosting;

// The content root is the install directory, not the working directory: configuration files are
// watched for changes under the content root, and the default database lives under the working
// directory, so every database write would otherwise wake the file watcher.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddHerald();
var app = builder.Build();
await app.UseHeraldAsync();
await app.RunAsync();

/// <summary>Entry point, visible to the end-to-end tests.</summary>
public partial class Program;
