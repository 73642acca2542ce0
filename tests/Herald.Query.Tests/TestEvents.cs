using System.Text.Json;

namespace Herald.Query.Tests;

/// <summary>The JSON events under Events/, parsed once and shared by every test.</summary>
internal static class TestEvents
{
    private static readonly Lazy<IReadOnlyDictionary<string, JsonElement>> All = new(Load);

    public static JsonElement Formats => Get("formats");

    public static JsonElement Metadata => Get("metadata");

    public static IEnumerable<JsonElement> Every => All.Value.Values;

    public static JsonElement Get(string name) =>
        All.Value.TryGetValue(name, out var element) ? element : throw new ArgumentException($"no event named '{name}'", nameof(name));

    public static string Path(string fileName) => System.IO.Path.Combine(AppContext.BaseDirectory, "Events", fileName);

    private static IReadOnlyDictionary<string, JsonElement> Load()
    {
        var events = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(System.IO.Path.Combine(AppContext.BaseDirectory, "Events"), "*.json"))
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file));
            events[System.IO.Path.GetFileNameWithoutExtension(file)] = document.RootElement.Clone();
        }

        return events;
    }
}
