using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace Herald.Signing.Tests;

public sealed class StandardWebhookSignatureTests
{
    private const string MessageId = "01936f5e-7b1a-7c3e-9d2f-5a6b7c8d9e0f";
    private const string Body = """{"event_type":"assets","realm":"metadata","operation":"update","object_id":"42","data":{"title":"Café ☕"}}""";

    private static readonly string SecretA = WebhookSecret.Generate();
    private static readonly string SecretB = WebhookSecret.Generate();

    [Fact]
    public void Sign_SpecTestVector_MatchesPublishedSignature()
    {
        // The example from the Standard Webhooks specification (and its reference libraries' tests).
        var key = WebhookSecret.DecodeStandardKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

        var signature = StandardWebhookSignature.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, """{"test": 2432232314}"""u8);

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Fact]
    public void Sign_AnyMessage_EqualsHmacOfIdTimestampAndBody()
    {
        var key = WebhookSecret.DecodeStandardKey(SecretA);
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{MessageId}.1700000000.{Body}")));

        Assert.Equal(expected, StandardWebhookSignature.Sign(key, MessageId, 1700000000, Encoding.UTF8.GetBytes(Body)));
    }

    [Fact]
    public void Sign_OurSignature_VerifiedByStandardWebhooksPackage()
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = StandardWebhookSignature.Sign(WebhookSecret.DecodeStandardKey(SecretA), MessageId, timestamp, Encoding.UTF8.GetBytes(Body));

        var exception = Record.Exception(() => new StandardWebhook(SecretA).Verify(Body, Headers(timestamp, signature)));

        Assert.Null(exception);
    }

    [Fact]
    public void Verify_PackageSignature_AcceptedByOurs()
    {
        var now = DateTimeOffset.UtcNow;
        var signature = new StandardWebhook(SecretA).Sign(MessageId, now, Body);

        Assert.True(StandardWebhookSignature.Verify(
            WebhookSecret.DecodeStandardKey(SecretA), MessageId, now.ToUnixTimeSeconds(), Encoding.UTF8.GetBytes(Body), signature));
    }

    [Fact]
    public void SignAll_TwoKeys_TwoSpaceSeparatedEntries()
    {
        var header = SignAll(1700000000, SecretA, SecretB);

        var entries = header.Split(' ');
        Assert.Equal(2, entries.Length);
        Assert.All(entries, e => Assert.StartsWith("v1,", e, StringComparison.Ordinal));
        Assert.NotEqual(entries[0], entries[1]);
    }

    [Fact]
    public void SignAll_TwoKeys_EachEntryIsThatKeysSignature()
    {
        var body = Encoding.UTF8.GetBytes(Body);
        var header = SignAll(1700000000, SecretA, SecretB);

        Assert.Equal(
            [
                StandardWebhookSignature.Sign(WebhookSecret.DecodeStandardKey(SecretA), MessageId, 1700000000, body),
                StandardWebhookSignature.Sign(WebhookSecret.DecodeStandardKey(SecretB), MessageId, 1700000000, body),
            ],
            header.Split(' '));
    }

    [Fact]
    public void SignAll_TwoKeys_OurVerifyAcceptsTheHeaderUnderEitherKey()
    {
        var header = SignAll(1700000000, SecretA, SecretB);
        var body = Encoding.UTF8.GetBytes(Body);

        Assert.True(StandardWebhookSignature.Verify(WebhookSecret.DecodeStandardKey(SecretA), MessageId, 1700000000, body, header));
        Assert.True(StandardWebhookSignature.Verify(WebhookSecret.DecodeStandardKey(SecretB), MessageId, 1700000000, body, header));
    }

    [Fact]
    public void SignAll_TwoKeys_EachEntryVerifiedByThePackageUnderItsSecret()
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = SignAll(timestamp, SecretA, SecretB);
        var entries = header.Split(' ');

        // The whole header under the newest secret, as a receiver on the new secret sees it.
        Assert.Null(Record.Exception(() => new StandardWebhook(SecretA).Verify(Body, Headers(timestamp, header))));

        // StandardWebhooks 1.1.2 only compares the first entry of a multi-signature header, so the
        // rotated-out secret's entry is checked on its own.
        Assert.Null(Record.Exception(() => new StandardWebhook(SecretA).Verify(Body, Headers(timestamp, entries[0]))));
        Assert.Null(Record.Exception(() => new StandardWebhook(SecretB).Verify(Body, Headers(timestamp, entries[1]))));
    }

    [Fact]
    public void SignAll_OneKey_SingleEntryWithoutSpace()
    {
        var header = SignAll(1700000000, SecretA);

        Assert.DoesNotContain(' ', header);
        Assert.Equal(StandardWebhookSignature.Sign(WebhookSecret.DecodeStandardKey(SecretA), MessageId, 1700000000, Encoding.UTF8.GetBytes(Body)), header);
    }

    [Fact]
    public void Verify_TamperedBody_FailsWithOursAndThePackage()
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = SignAll(timestamp, SecretA);
        var tampered = Body.Replace("Café", "Cafe", StringComparison.Ordinal);

        Assert.False(StandardWebhookSignature.Verify(WebhookSecret.DecodeStandardKey(SecretA), MessageId, timestamp, Encoding.UTF8.GetBytes(tampered), header));
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(SecretA).Verify(tampered, Headers(timestamp, header)));
    }

    [Fact]
    public void Verify_WrongKey_FailsWithOursAndThePackage()
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = SignAll(timestamp, SecretA);

        Assert.False(StandardWebhookSignature.Verify(WebhookSecret.DecodeStandardKey(SecretB), MessageId, timestamp, Encoding.UTF8.GetBytes(Body), header));
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(SecretB).Verify(Body, Headers(timestamp, header)));
    }

    [Fact]
    public void Verify_DifferentMessageIdOrTimestamp_Fails()
    {
        var key = WebhookSecret.DecodeStandardKey(SecretA);
        var body = Encoding.UTF8.GetBytes(Body);
        var header = StandardWebhookSignature.Sign(key, MessageId, 1700000000, body);

        Assert.True(StandardWebhookSignature.Verify(key, MessageId, 1700000000, body, header));
        Assert.False(StandardWebhookSignature.Verify(key, MessageId + "x", 1700000000, body, header));
        Assert.False(StandardWebhookSignature.Verify(key, MessageId, 1700000001, body, header));
    }

    [Fact]
    public void Verify_ValidEntryAmongUnknownVersions_Succeeds()
    {
        var key = WebhookSecret.DecodeStandardKey(SecretA);
        var body = Encoding.UTF8.GetBytes(Body);
        var valid = StandardWebhookSignature.Sign(key, MessageId, 1700000000, body);

        Assert.True(StandardWebhookSignature.Verify(key, MessageId, 1700000000, body, $"v1a,abc v2,{valid[3..]} {valid}"));
    }

    public static TheoryData<string> MalformedHeaders()
    {
        var valid = StandardWebhookSignature.Sign(WebhookSecret.DecodeStandardKey(SecretA), MessageId, 1700000000, Encoding.UTF8.GetBytes(Body));
        var base64 = valid[3..];
        return new TheoryData<string>
        {
            string.Empty,
            " ",
            "v1,",
            "v1",
            "garbage",
            "v1,not base64!!",
            "v1,%%%%",
            base64,
            "v2," + base64,
            "V1," + base64,
            "v1;" + base64,
            "v1," + base64[..^4],
            "v1," + base64 + "AAAA",
            "v1," + Convert.ToBase64String(new byte[32]),
        };
    }

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public void Verify_MalformedHeader_Fails(string header)
    {
        Assert.False(StandardWebhookSignature.Verify(
            WebhookSecret.DecodeStandardKey(SecretA), MessageId, 1700000000, Encoding.UTF8.GetBytes(Body), header));
    }

    [Fact]
    public void Verify_MalformedHeader_PackageAlsoRejects()
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(SecretA).Verify(Body, Headers(timestamp, "v1,garbage")));
    }

    private static string SignAll(long timestamp, params string[] secrets) =>
        StandardWebhookSignature.SignAll(
            secrets.Select(WebhookSecret.DecodeStandardKey).ToList(), MessageId, timestamp, Encoding.UTF8.GetBytes(Body));

    private static HeaderDictionary Headers(long timestamp, string signature) => new()
    {
        [WebhookHeaders.Id] = MessageId,
        [WebhookHeaders.Timestamp] = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [WebhookHeaders.Signature] = signature,
    };
}
