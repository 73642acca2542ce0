using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Signing;

/// <summary>
/// The Standard Webhooks scheme: <c>v1,</c> + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)),
/// where the key is the base64-decoded secret after <c>whsec_</c>.
/// </summary>
public static class StandardWebhookSignature
{
    private const string VersionPrefix = "v1,";

    /// <summary>Length of one <c>v1,&lt;base64&gt;</c> entry: the prefix and 44 base64 characters of a 32-byte MAC.</summary>
    private const int EntryLength = 3 + 44;

    /// <summary>More active secrets than this (rotation keeps two or three) sign on the slow path.</summary>
    private const int MaxStackKeys = 8;

    /// <summary>Signs one message with one decoded key and returns <c>v1,&lt;base64&gt;</c>.</summary>
    public static string Sign(ReadOnlySpan<byte> key, string messageId, long timestampSeconds, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        ComputeMac(key, messageId, timestampSeconds, body, mac);
        return VersionPrefix + Convert.ToBase64String(mac);
    }

    /// <summary>
    /// Signs with every key and joins the results with spaces, as Standard Webhooks does during rotation.
    /// </summary>
    public static string SignAll(IReadOnlyList<byte[]> keys, string messageId, long timestampSeconds, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var signatures = new string[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            signatures[i] = Sign(keys[i], messageId, timestampSeconds, body);
        }

        return string.Join(' ', signatures);
    }

    /// <summary>
    /// Signs with every key (held as <see cref="HmacKey"/>s, for a sender that signs many messages)
    /// and joins the results with spaces, as Standard Webhooks does during rotation. The signed
    /// prefix and the MACs stay on the stack; the header value is the only allocation.
    /// </summary>
    public static string SignAll(IReadOnlyList<HmacKey> keys, string messageId, long timestampSeconds, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(messageId);
        if (keys.Count == 0)
        {
            return string.Empty;
        }

        // "{id}.{seconds}." in UTF-8: at most 3 bytes per UTF-16 unit, 20 digits, two dots.
        var maxPrefix = Encoding.UTF8.GetMaxByteCount(messageId.Length) + 22;
        byte[]? rented = null;
        var prefix = maxPrefix <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(maxPrefix));
        try
        {
            var length = WritePrefix(messageId, timestampSeconds, prefix);

            // Each entry is "v1," + 44 base64 characters; entries are separated by one space.
            Span<byte> macs = stackalloc byte[HMACSHA256.HashSizeInBytes * MaxStackKeys];
            var count = keys.Count;
            if (count > MaxStackKeys)
            {
                return SignAllSlow(keys, prefix[..length], body);
            }

            for (var i = 0; i < count; i++)
            {
                keys[i].Compute(prefix[..length], body, macs.Slice(i * HMACSHA256.HashSizeInBytes, HMACSHA256.HashSizeInBytes));
            }

            ReadOnlySpan<byte> signed = macs[..(count * HMACSHA256.HashSizeInBytes)];
            return string.Create((count * (EntryLength + 1)) - 1, signed, static (chars, macs) =>
            {
                for (var i = 0; i * HMACSHA256.HashSizeInBytes < macs.Length; i++)
                {
                    var entry = chars.Slice(i * (EntryLength + 1), EntryLength);
                    if (i > 0)
                    {
                        chars[(i * (EntryLength + 1)) - 1] = ' ';
                    }

                    VersionPrefix.AsSpan().CopyTo(entry);
                    Convert.TryToBase64Chars(macs.Slice(i * HMACSHA256.HashSizeInBytes, HMACSHA256.HashSizeInBytes), entry[VersionPrefix.Length..], out _);
                }
            });
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// True when any <c>v1,</c> entry of <paramref name="signatureHeader"/> matches the message under
    /// <paramref name="key"/>. Comparison is constant-time per entry.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> key, string messageId, long timestampSeconds, ReadOnlySpan<byte> body, string signatureHeader)
    {
        ArgumentNullException.ThrowIfNull(signatureHeader);
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        ComputeMac(key, messageId, timestampSeconds, body, expected);
        Span<byte> candidate = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var matched = false;
        foreach (var range in signatureHeader.AsSpan().Split(' '))
        {
            var entry = signatureHeader.AsSpan()[range];
            if (!entry.StartsWith(VersionPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (Convert.TryFromBase64Chars(entry[VersionPrefix.Length..], candidate, out var written)
                && written == candidate.Length
                && CryptographicOperations.FixedTimeEquals(candidate, expected))
            {
                matched = true;
            }
        }

        return matched;
    }

    private static void ComputeMac(ReadOnlySpan<byte> key, string messageId, long timestampSeconds, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        HmacKey.ComputeOnce(key, Prefix(messageId, timestampSeconds), body, destination);
    }

    private static string SignAllSlow(IReadOnlyList<HmacKey> keys, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var signatures = new string[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            keys[i].Compute(prefix, body, mac);
            signatures[i] = VersionPrefix + Convert.ToBase64String(mac);
        }

        return string.Join(' ', signatures);
    }

    /// <summary>Writes <c>{messageId}.{timestampSeconds}.</c> as UTF-8 and returns its length.</summary>
    private static int WritePrefix(string messageId, long timestampSeconds, Span<byte> destination)
    {
        var written = Encoding.UTF8.GetBytes(messageId, destination);
        destination[written++] = (byte)'.';
        timestampSeconds.TryFormat(destination[written..], out var digits, default, CultureInfo.InvariantCulture);
        written += digits;
        destination[written++] = (byte)'.';
        return written;
    }

    private static byte[] Prefix(string messageId, long timestampSeconds) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{messageId}.{timestampSeconds}."));
}
