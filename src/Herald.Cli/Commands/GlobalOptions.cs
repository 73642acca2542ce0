using System.CommandLine;

namespace Herald.Cli.Commands;

/// <summary>Options every command accepts, wherever they stand on the command line.</summary>
internal sealed class GlobalOptions
{
    public const string DefaultUrl = "http://127.0.0.1:5080";
    public const string UrlVariable = "HERALD_URL";
    public const string KeyVariable = "HERALD_KEY";

    public Option<string?> Url { get; } = new("--url")
    {
        Description = $"Herald's base URL (default: ${UrlVariable}, else {DefaultUrl})",
        HelpName = "url",
        Recursive = true,
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = $"API key sent as a Bearer token (default: ${KeyVariable})",
        HelpName = "key",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print JSON instead of tables, for scripts",
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        root.Add(Url);
        root.Add(Key);
        root.Add(Json);
    }
}
