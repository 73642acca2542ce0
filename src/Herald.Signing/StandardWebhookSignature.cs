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
    /// and joins the results with spaces, as Standard Webhooks does during rotation.
    /// </summary>
    public static string SignAll(IReadOnlyList<HmacKey> keys, string messageId, long timestampSeconds, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(messageId);
        var prefix = Prefix(messageId, timestampSeconds);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var signatures = new string[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            keys[i].Compute(prefix, body, mac);
            signatures[i] = VersionPrefix + Convert.ToBase64String(mac);
        }

        return string.Join(' ', signatures);
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

    private static byte[] Prefix(string messageId, long timestampSeconds) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{messageId}.{timestampSeconds}."));
}
