using System.Buffers;

namespace Herald.Core.Events;

/// <summary>
/// The header-safety rule: a value that reaches an outbound request header (an event's
/// <c>event_type</c>, <c>realm</c> and <c>operation</c>, a webhook's custom headers, a bearer
/// token) holds only printable ASCII, space and tab. CR and LF would start a new header or a
/// smuggled request, NUL and other control characters are refused by receivers, and HTTP/1.1
/// header bytes are ASCII (non-ASCII is refused rather than silently re-encoded).
/// </summary>
public static class HeaderValue
{
    /// <summary>The longest value accepted for one header.</summary>
    public const int MaxLength = 8192;

    // Checked on every attempt for each header built from stored text: a vectorised scan, no LINQ.
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>Null when <paramref name="value"/> is header-safe; else what is wrong with it.</summary>
    public static string? Problem(string value) => Problem(value, MaxLength);

    /// <summary>
    /// As <see cref="Problem(string)"/>, with a length limit of the caller's. With
    /// <paramref name="allowNonAscii"/> only control characters are refused: for values that are
    /// encoded before they reach a header (Basic credentials are base64 of UTF-8).
    /// </summary>
    public static string? Problem(string value, int maxLength, bool allowNonAscii = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > maxLength)
        {
            return $"is longer than {maxLength} characters";
        }

        // The common case: printable ASCII and space only.
        if (value.AsSpan().IndexOfAnyExceptInRange(' ', '~') < 0)
        {
            return null;
        }

        foreach (var c in value)
        {
            var problem = c switch
            {
                '\r' or '\n' => "contains a line break (CR or LF)",
                '\0' => "contains NUL",
                '\t' => null,
                < ' ' or (>= '\u007f' and <= '\u009f') => $"contains the control character U+{(int)c:X4}",
                > '\u007f' when !allowNonAscii => $"contains the non-ASCII character U+{(int)c:X4}; header values must be ASCII",
                _ => null,
            };
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    public static bool IsSafe(string value) => Problem(value) is null;

    /// <summary>An RFC 9110 field name (token).</summary>
    public static bool IsToken(string name) =>
        name is { Length: > 0 and <= 256 } && name.AsSpan().IndexOfAnyExcept(TokenChars) < 0;
}
