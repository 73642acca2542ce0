using System.Security.Cryptography;
using System.Text;

namespace Herald.Signing.Tests;

public sealed class IgniteSignatureTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const long Timestamp = 1700000000123;
    private const string Body = """{"event_type":"assets","data":{"title":"Caf\u00e9"}}""";

    [Fact]
    public void Sign_KnownVector_MatchesHexComputedOutsideDotnet()
    {
        // printf '%s' '1700000000123.<body>' | openssl dgst -sha256 -hmac 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
        var header = IgniteSignature.Sign(Secret, Timestamp, Encoding.UTF8.GetBytes(Body));

        Assert.Equal("t=1700000000123,v1=ced2eeed295d00f0a390e13f83d7cdfd1d3008f70fbf8363a804502dddbb192e", header);
    }

    [Fact]
    public void Sign_AnyBody_IsHexHmacOfTimestampDotBodyUnderTheWholeSecretString()
    {
        var body = "{\"title\":\"Café ☕ 🎬\"}";
        var secret = WebhookSecret.Generate();
        var expected = Convert.ToHexStringLower(
            HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{Timestamp}.{body}")));

        var header = IgniteSignature.Sign(secret, Timestamp, Encoding.UTF8.GetBytes(body));

        Assert.Equal($"t={Timestamp},v1={expected}", header);
    }

    [Fact]
    public void Sign_KeyIsNotTheDecodedStandardKey()
    {
        var body = Encoding.UTF8.GetBytes(Body);
        var withDecodedKey = Convert.ToHexStringLower(
            HMACSHA256.HashData(WebhookSecret.DecodeStandardKey(Secret), Encoding.UTF8.GetBytes($"{Timestamp}.{Body}")));

        Assert.DoesNotContain(withDecodedKey, IgniteSignature.Sign(Secret, Timestamp, body), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_OwnSignature_Succeeds()
    {
        var body = Encoding.UTF8.GetBytes(Body);

        Assert.True(IgniteSignature.Verify(Secret, body, IgniteSignature.Sign(Secret, Timestamp, body)));
    }

    [Fact]
    public void Verify_TamperedBody_Fails()
    {
        var header = IgniteSignature.Sign(Secret, Timestamp, Encoding.UTF8.GetBytes(Body));

        Assert.False(IgniteSignature.Verify(Secret, Encoding.UTF8.GetBytes(Body + " "), header));
    }

    [Fact]
    public void Verify_WrongSecret_Fails()
    {
        var body = Encoding.UTF8.GetBytes(Body);
        var header = IgniteSignature.Sign(Secret, Timestamp, body);

        Assert.False(IgniteSignature.Verify(WebhookSecret.Generate(), body, header));
    }

    [Fact]
    public void Verify_ChangedTimestamp_Fails()
    {
        var body = Encoding.UTF8.GetBytes(Body);
        var header = IgniteSignature.Sign(Secret, Timestamp, body).Replace("t=1700000000123", "t=1700000000124", StringComparison.Ordinal);

        Assert.False(IgniteSignature.Verify(Secret, body, header));
    }

    [Fact]
    public void Verify_SeveralSignaturesOneValid_Succeeds()
    {
        var body = Encoding.UTF8.GetBytes(Body);
        var valid = IgniteSignature.Sign(Secret, Timestamp, body);
        var other = IgniteSignature.Sign(WebhookSecret.Generate(), Timestamp, body);

        Assert.True(IgniteSignature.Verify(Secret, body, $"{other},{valid["t=1700000000123,".Length..]}"));
    }

    [Theory]
    [InlineData("t=1700000000123,v1=zz")]
    [InlineData("t=1700000000123,v1=ced2eeed")]
    [InlineData("t=1700000000123,v1=ced2eeed295d00f0a390e13f83d7cdfd1d3008f70fbf8363a804502dddbb192e00")]
    [InlineData("t=1700000000123,v1=ged2eeed295d00f0a390e13f83d7cdfd1d3008f70fbf8363a804502dddbb192e")]
    [InlineData("t=1700000000123,v2=ced2eeed295d00f0a390e13f83d7cdfd1d3008f70fbf8363a804502dddbb192e")]
    public void Verify_BadSignatureValue_Fails(string header)
    {
        Assert.False(IgniteSignature.Verify(Secret, Encoding.UTF8.GetBytes(Body), header));
    }

    [Fact]
    public void TryParse_WellFormed_ReadsTimestampAndSignatures()
    {
        Assert.True(IgniteSignature.TryParse("t=1700000000123,v1=abc,v1=def", out var timestamp, out var signatures));

        Assert.Equal(Timestamp, timestamp);
        Assert.Equal(["abc", "def"], signatures);
    }

    [Fact]
    public void TryParse_SpacesAroundParts_AreTrimmed()
    {
        Assert.True(IgniteSignature.TryParse(" t=42 , v1=abc ", out var timestamp, out var signatures));

        Assert.Equal(42, timestamp);
        Assert.Equal(["abc"], signatures);
    }

    [Fact]
    public void TryParse_SignatureBeforeTimestamp_IsAccepted()
    {
        Assert.True(IgniteSignature.TryParse("v1=abc,t=42", out var timestamp, out var signatures));

        Assert.Equal(42, timestamp);
        Assert.Equal(["abc"], signatures);
    }

    [Fact]
    public void TryParse_EmptySignatureBesideARealOne_KeepsOnlyTheRealOne()
    {
        Assert.True(IgniteSignature.TryParse("t=42,v1=,v1=abc", out _, out var signatures));

        Assert.Equal(["abc"], signatures);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(",,,")]
    [InlineData("t=42")]
    [InlineData("v1=abc")]
    [InlineData("t=,v1=abc")]
    [InlineData("t=abc,v1=abc")]
    [InlineData("t=-42,v1=abc")]
    [InlineData("t=+42,v1=abc")]
    [InlineData("t=4.2,v1=abc")]
    [InlineData("t=99999999999999999999999,v1=abc")]
    [InlineData("t=42,v2=abc")]
    [InlineData("t=42,v1=")]
    [InlineData("t=42;v1=abc")]
    [InlineData("T=42,V1=abc")]
    [InlineData("x=1,y=2")]
    public void TryParse_Malformed_ReturnsFalse(string? header)
    {
        Assert.False(IgniteSignature.TryParse(header, out _, out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("t=42")]
    [InlineData("garbage")]
    public void Verify_MalformedHeader_Fails(string? header)
    {
        Assert.False(IgniteSignature.Verify(Secret, Encoding.UTF8.GetBytes(Body), header));
    }
}
