namespace Herald.Core.Events;

/// <summary>The operations an event may carry (iconik's set).</summary>
public static class Operations
{
    public const string All = "all";

    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "create", "update", "delete", "purge", "restore", "download",
    };

    public static IReadOnlyCollection<string> Values => Known;

    public static bool IsKnown(string operation) => Known.Contains(operation);
}
