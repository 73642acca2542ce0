using AutoAnalyze;

var builder = WebApplication.CreateBuilder(args);
builder.AddAutoAnalyze();
var app = builder.Build();
await app.UseAutoAnalyzeAsync();
await app.RunAsync();
