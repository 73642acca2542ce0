using System.Globalization;
using System.Text.Json;

namespace Herald.Cli.Output;

/// <summary>Turns fields of Herald's JSON answers into table cells.</summary>
internal static class JsonText
{
    public const string None = "-";

    /// <summary>The property as display text: strings as they are, numbers and booleans as JSON, null or absent as "-".</summary>
    public static string Of(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? Of(value) : None;

    public static string Of(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() is { Length: > 0 } text ? text : None,
        JsonValueKind.Null or JsonValueKind.Undefined => None,
        JsonValueKind.Array => value.GetArrayLength() == 0 ? None : string.Join(",", value.EnumerateArray().Select(Of)),
        JsonValueKind.Object => value.EnumerateObject().Any() ? string.Join(", ", value.EnumerateObject().Select(p => $"{p.Name}: {Of(p.Value)}")) : None,
        _ => value.GetRawText(),
    };

    /// <summary>An ISO-8601 time shortened for a table: seconds precision, "Z" kept.</summary>
    public static string Time(JsonElement element, string name)
    {
        var text = Of(element, name);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : text;
    }

    /// <summary>Cuts long text for a table cell; --json and show commands give the whole value.</summary>
    public static string Clip(string text, int max) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 3), "...");

    /// <summary>One line: newlines and tabs become spaces.</summary>
    public static string OneLine(string text) =>
        text.ReplaceLineEndings(" ").Replace('\t', ' ');
}
