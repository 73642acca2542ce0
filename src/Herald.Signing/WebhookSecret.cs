using System.Security.Cryptography;

namespace Herald.Signing;

/// <summary>Creates and decodes <c>whsec_</c> signing secrets.</summary>
public static class WebhookSecret
{
    /// <summary>The prefix every Herald secret carries.</summary>
    public const string Prefix = "whsec_";

    /// <summary>Number of random bytes in a generated secret.</summary>
    public const int KeyBytes = 32;

    /// <summary>Generates a new secret: <c>whsec_</c> + base64 of 32 random bytes.</summary>
    public static string Generate()
    {
        Span<byte> key = stackalloc byte[KeyBytes];
        RandomNumberGenerator.Fill(key);
        return Prefix + Convert.ToBase64String(key);
    }

    /// <summary>
    /// Decodes the HMAC key used by Standard Webhooks: the base64 text after <c>whsec_</c>.
    /// A secret without the prefix is decoded whole.
    /// </summary>
    /// <exception cref="FormatException">The secret is not valid base64.</exception>
    public static byte[] DecodeStandardKey(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var text = secret.StartsWith(Prefix, StringComparison.Ordinal) ? secret[Prefix.Length..] : secret;
        return Convert.FromBase64String(text);
    }

    /// <summary>Tries to decode the Standard Webhooks key; false when the text is not base64.</summary>
    public static bool TryDecodeStandardKey(string secret, out byte[] key)
    {
        try
        {
            key = DecodeStandardKey(secret);
            return true;
        }
        catch (FormatException)
        {
            key = [];
            return false;
        }
    }

    /// <summary>True when <paramref name="secret"/> is a well-formed Herald secret (prefix and at least 24 bytes).</summary>
    public static bool IsValid(string? secret) =>
        secret is not null
        && secret.StartsWith(Prefix, StringComparison.Ordinal)
        && TryDecodeStandardKey(secret, out var key)
        && key.Length >= 24;
}
