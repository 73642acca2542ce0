using System.Security.Cryptography;

namespace Herald.Signing.Tests;

public sealed class WebhookSecretTests
{
    [Fact]
    public void Generate_Always_StartsWithPrefix()
    {
        Assert.StartsWith("whsec_", WebhookSecret.Generate(), StringComparison.Ordinal);
        Assert.Equal("whsec_", WebhookSecret.Prefix);
    }

    [Fact]
    public void Generate_Always_DecodesToAtLeast24Bytes()
    {
        var secret = WebhookSecret.Generate();

        var key = Convert.FromBase64String(secret["whsec_".Length..]);

        Assert.True(key.Length >= 24, $"{key.Length} bytes");
        Assert.Equal(key, WebhookSecret.DecodeStandardKey(secret));
        Assert.True(WebhookSecret.IsValid(secret));
    }

    [Fact]
    public void Generate_ManyTimes_AllDifferentKeys()
    {
        var secrets = Enumerable.Range(0, 1000).Select(_ => WebhookSecret.Generate()).ToList();

        Assert.Equal(secrets.Count, secrets.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Generate_Always_AcceptedByStandardWebhooksPackage()
    {
        var secret = WebhookSecret.Generate();

        Assert.Null(Record.Exception(() => new StandardWebhooks.StandardWebhook(secret)));
    }

    [Fact]
    public void DecodeStandardKey_WithoutPrefix_DecodesWholeText()
    {
        var key = RandomNumberGenerator.GetBytes(24);

        Assert.Equal(key, WebhookSecret.DecodeStandardKey(Convert.ToBase64String(key)));
    }

    [Fact]
    public void DecodeStandardKey_NotBase64_Throws()
    {
        Assert.Throws<FormatException>(() => WebhookSecret.DecodeStandardKey("whsec_not base64!"));
    }

    [Fact]
    public void TryDecodeStandardKey_NotBase64_ReturnsFalseAndEmptyKey()
    {
        Assert.False(WebhookSecret.TryDecodeStandardKey("whsec_@@@@", out var key));
        Assert.Empty(key);
    }

    public static TheoryData<string?> InvalidSecrets() => new()
    {
        null,
        string.Empty,
        "whsec_",
        "whsec_not base64!",
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        "WHSEC_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(23)),
    };

    [Theory]
    [MemberData(nameof(InvalidSecrets))]
    public void IsValid_Malformed_False(string? secret)
    {
        Assert.False(WebhookSecret.IsValid(secret));
    }

    [Fact]
    public void IsValid_Exactly24Bytes_True()
    {
        Assert.True(WebhookSecret.IsValid("whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))));
    }
}
