using System.Security.Cryptography;
using System.Text;

namespace Herald.Server.Auth;

internal static class ApiKeys
{
    public const string Prefix = "hk_";

    /// <summary>A new key: <c>hk_</c> + 32 random bytes, base64url.</summary>
    public static string Generate() =>
        Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Keys are 256-bit random, so a plain SHA-256 is a sufficient one-way store.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
