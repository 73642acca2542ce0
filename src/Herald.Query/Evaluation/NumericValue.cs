using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Herald.Query.Evaluation;

/// <summary>Reads a JSON number, or a string holding an invariant-culture number, as a double.</summary>
internal static class NumericValue
{
    // Sign, decimal point and exponent; no white space, thousands separators or hex.
    private const NumberStyles Styles = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    public static bool TryRead(JsonElement value, JsonValueKind kind, out double number)
    {
        switch (kind)
        {
            case JsonValueKind.Number:
                return value.TryGetDouble(out number) && double.IsFinite(number);
            case JsonValueKind.String:
                return TryParseString(value, out number);
            default:
                number = 0;
                return false;
        }
    }

    private static bool TryParseString(JsonElement value, out double number)
    {
        // The raw bytes avoid allocating a string; they include the quotes.
        var raw = JsonMarshal.GetRawUtf8Value(value);
        if (raw.Length >= 2 && raw[0] == (byte)'"')
        {
            raw = raw[1..^1];
        }

        bool parsed;
        if (raw.IndexOf((byte)'\\') < 0)
        {
            parsed = double.TryParse(raw, Styles, CultureInfo.InvariantCulture, out number);
        }
        else
        {
            // Escaped digits ("\u0031") are rare enough to pay for decoding.
            parsed = double.TryParse(value.GetString(), Styles, CultureInfo.InvariantCulture, out number);
        }

        // "NaN" and "Infinity" parse, but they are not numbers a query can mean.
        return parsed && double.IsFinite(number);
    }
}
