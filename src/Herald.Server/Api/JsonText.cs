using System.Text.Json;
using System.Text.Unicode;

namespace Herald.Server;

/// <summary>
/// Finds text in a parsed body that is not valid Unicode: raw bytes that are not UTF-8, or an
/// escaped lone surrogate (<c>"\ud800"</c>). <see cref="JsonDocument"/> accepts both and only
/// <c>GetString</c> throws later, so without this check such a body was a 500 on one route and
/// stored and delivered as-is on another. Every route reads its body through <see cref="JsonBody"/>,
/// which refuses it up front with the path of the bad key or value.
/// </summary>
internal static class JsonText
{
    /// <summary>Null when every key and string is valid; else the path of the first bad one.</summary>
    public static string? FindInvalid(JsonElement root, ReadOnlySpan<byte> bytes) =>
        Utf8.IsValid(bytes) && !HasSurrogateEscape(bytes) ? null : Walk(root, string.Empty);

    private static string? Walk(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return path.Length == 0 ? "$" : path;
                    }

                    if (Walk(property.Value, path.Length == 0 ? name : $"{path}.{name}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (Walk(item, $"{path}[{index}]") is { } found)
                    {
                        return found;
                    }

                    index++;
                }

                return null;
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    return path.Length == 0 ? "$" : path;
                }

            default:
                return null;
        }
    }

    /// <summary>Whether the text holds <c>\uD800</c>–<c>\uDFFF</c> escapes (valid in pairs, so they need a closer look).</summary>
    private static bool HasSurrogateEscape(ReadOnlySpan<byte> bytes)
    {
        var at = 0;
        while (bytes[at..].IndexOf("\\u"u8) is var found and >= 0)
        {
            at += found + 2;
            if (at + 1 < bytes.Length && (bytes[at] | 0x20) == 'd' && bytes[at + 1] is (>= (byte)'8' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F'))
            {
                return true;
            }
        }

        return false;
    }
}
