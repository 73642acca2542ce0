using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Signing;

/// <summary>
/// The Ignite scheme: <c>t=&lt;unix ms&gt;,v1=&lt;hex HMAC-SHA256(key, t + "." + body)&gt;</c>,
/// where the key is the UTF-8 bytes of the whole secret string (prefix included).
/// </summary>
public static class IgniteSignature
{
    /// <summary>A signed 64-bit number (20 characters) and the dot.</summary>
    private const int MaxPrefix = 21;

    /// <summary><c>t=</c>, 20 characters of number, <c>,v1=</c> and 64 hex digits.</summary>
    private const int MaxHeader = 2 + 20 + 4 + (2 * HMACSHA256.HashSizeInBytes);

    /// <summary>Builds the header value for one message.</summary>
    public static string Sign(string secret, long timestampMilliseconds, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        ComputeMac(secret, timestampMilliseconds, body, mac);
        return Header(timestampMilliseconds, mac);
    }

    /// <summary>
    /// Builds the header value with a reusable key: <paramref name="key"/> must hold the UTF-8 bytes
    /// of the whole secret string (see <see cref="KeyOf"/>).
    /// </summary>
    public static string Sign(HmacKey key, long timestampMilliseconds, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> prefix = stackalloc byte[MaxPrefix];
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        key.Compute(prefix[..WritePrefix(timestampMilliseconds, prefix)], body, mac);
        return Header(timestampMilliseconds, mac);
    }

    /// <summary>The reusable signing key of <paramref name="secret"/> for this scheme.</summary>
    public static HmacKey KeyOf(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return new HmacKey(Encoding.UTF8.GetBytes(secret));
    }

    /// <summary>Splits a header into its timestamp and hex signatures; false when it is malformed.</summary>
    public static bool TryParse(string? header, out long timestampMilliseconds, out IReadOnlyList<string> signatures)
    {
        timestampMilliseconds = 0;
        var found = new List<string>();
        signatures = found;
        if (string.IsNullOrEmpty(header))
        {
            return false;
        }

        var hasTimestamp = false;
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal))
            {
                hasTimestamp = long.TryParse(part.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out timestampMilliseconds);
            }
            // An empty "v1=" carries no signature; a header with nothing else is malformed.
            else if (part.StartsWith("v1=", StringComparison.Ordinal) && part.Length > "v1=".Length)
            {
                found.Add(part[3..]);
            }
        }

        return hasTimestamp && found.Count > 0;
    }

    /// <summary>True when any <c>v1=</c> signature in <paramref name="header"/> matches (constant-time compare).</summary>
    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? header)
    {
        if (!TryParse(header, out var timestamp, out var signatures))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        ComputeMac(secret, timestamp, body, expected);
        Span<byte> candidate = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var matched = false;
        foreach (var hex in signatures)
        {
            if (hex.Length == candidate.Length * 2
                && Convert.FromHexString(hex, candidate, out _, out var written) == System.Buffers.OperationStatus.Done
                && written == candidate.Length
                && CryptographicOperations.FixedTimeEquals(candidate, expected))
            {
                matched = true;
            }
        }

        return matched;
    }

    private static void ComputeMac(string secret, long timestampMilliseconds, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(secret);
        HmacKey.ComputeOnce(Encoding.UTF8.GetBytes(secret), Prefix(timestampMilliseconds), body, destination);
    }

    /// <summary><c>t=&lt;ms&gt;,v1=&lt;hex&gt;</c> written straight into the one string it returns.</summary>
    private static string Header(long timestampMilliseconds, ReadOnlySpan<byte> mac)
    {
        Span<char> chars = stackalloc char[MaxHeader];
        "t=".CopyTo(chars);
        timestampMilliseconds.TryFormat(chars[2..], out var digits, default, CultureInfo.InvariantCulture);
        var length = 2 + digits;
        ",v1=".CopyTo(chars[length..]);
        length += 4;
        Convert.TryToHexStringLower(mac, chars[length..], out var hex);
        return new string(chars[..(length + hex)]);
    }

    /// <summary>Writes <c>{ms}.</c> as UTF-8 and returns its length.</summary>
    private static int WritePrefix(long timestampMilliseconds, Span<byte> destination)
    {
        timestampMilliseconds.TryFormat(destination, out var digits, default, CultureInfo.InvariantCulture);
        destination[digits] = (byte)'.';
        return digits + 1;
    }

    private static byte[] Prefix(long timestampMilliseconds) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{timestampMilliseconds}."));
}
