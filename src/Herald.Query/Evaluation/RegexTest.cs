using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Herald.Query.Evaluation;

/// <summary>
/// <c>= /pattern/</c>: an unanchored search in a string, or in the JSON text of a number or
/// boolean. The regex is built with <see cref="RegexOptions.NonBacktracking"/>, so matching is
/// linear in the input; the timeout is only a last guard against a hostile pattern's state blow-up.
/// </summary>
internal sealed class RegexTest(Regex regex) : ValueTest
{
    private const int StackChars = 256;

    public override bool Test(JsonElement value, JsonValueKind kind)
    {
        try
        {
            return kind switch
            {
                JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => IsMatch(value, kind),
                _ => false,
            };
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private bool IsMatch(JsonElement value, JsonValueKind kind)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        if (kind == JsonValueKind.String)
        {
            if (raw.Length >= 2 && raw[0] == (byte)'"')
            {
                raw = raw[1..^1];
            }

            if (raw.IndexOf((byte)'\\') >= 0)
            {
                return regex.IsMatch(value.GetString() ?? string.Empty);
            }
        }

        // Decode into a stack or pooled buffer: the documents are valid UTF-8 already.
        var maxChars = Encoding.UTF8.GetMaxCharCount(raw.Length);
        char[]? rented = null;
        var buffer = maxChars <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(maxChars));
        try
        {
            var count = Encoding.UTF8.GetChars(raw, buffer);
            return regex.IsMatch(buffer[..count]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }
}
