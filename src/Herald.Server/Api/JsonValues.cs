using System.Text.Json;

namespace Herald.Server;

/// <summary>
/// Kind-checked reads of request values. <see cref="JsonElement"/>'s own accessors throw
/// <see cref="InvalidOperationException"/> on a value of another kind (<c>TryGetInt32</c> on
/// <c>"30"</c>, <c>ValueEquals</c> on <c>5</c>), which surfaced as a 500; these answer false
/// instead, so every reader can turn a wrong type into a 400 naming the field.
/// </summary>
internal static class JsonValues
{
    public static bool TryReadInt32(this JsonElement value, out int number)
    {
        number = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out number);
    }

    public static bool TryReadDouble(this JsonElement value, out double number)
    {
        number = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out number);
    }

    /// <summary>The string, or null when the value is not a JSON string.</summary>
    public static string? AsString(this JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static bool IsString(this JsonElement value, string text) =>
        value.ValueKind == JsonValueKind.String && value.ValueEquals(text);
}
