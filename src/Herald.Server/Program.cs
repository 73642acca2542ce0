using Herald.Server.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddHerald();
var app = builder.Build();
await app.UseHeraldAsync();
await app.RunAsync();

/// <summary>Entry point, visible to the end-to-end tests.</summary>
public partial class Program;
