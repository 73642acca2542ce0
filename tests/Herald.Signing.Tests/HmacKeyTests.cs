using System.Security.Cryptography;
using System.Text;

namespace Herald.Signing.Tests;

public sealed class HmacKeyTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"event_type\":\"assets\",\"data\":{\"n\":1}}");

    [Fact]
    public void Compute_ManyTimes_SameAsAOneShotHmacOfPrefixAndBody()
    {
        var raw = RandomNumberGenerator.GetBytes(32);
        var key = new HmacKey(raw);
        var prefix = Encoding.UTF8.GetBytes("msg_1.1700000000.");
        var expected = HMACSHA256.HashData(raw, prefix.Concat(Body).ToArray());

        for (var i = 0; i < 100; i++)
        {
            var mac = new byte[32];
            key.Compute(prefix, Body, mac);
            Assert.Equal(expected, mac);
        }
    }

    [Fact]
    public async Task Compute_FromManyThreadsAtOnce_EveryResultCorrect()
    {
        var raw = RandomNumberGenerator.GetBytes(32);
        var key = new HmacKey(raw);

        var wrong = await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            var errors = 0;
            for (var i = 0; i < 500; i++)
            {
                var prefix = Encoding.UTF8.GetBytes($"{t}.{i}.");
                var mac = new byte[32];
                key.Compute(prefix, Body, mac);
                errors += mac.AsSpan().SequenceEqual(HMACSHA256.HashData(raw, prefix.Concat(Body).ToArray())) ? 0 : 1;
            }

            return errors;
        })));

        Assert.All(wrong, count => Assert.Equal(0, count));
    }

    [Fact]
    public void StandardSignAll_WithHmacKeys_SameAsWithDecodedKeys()
    {
        var secrets = new[] { WebhookSecret.Generate(), WebhookSecret.Generate() };
        var decoded = secrets.Select(WebhookSecret.DecodeStandardKey).ToList();

        var withKeys = StandardWebhookSignature.SignAll(decoded.Select(k => new HmacKey(k)).ToList(), "msg_1", 1_700_000_000, Body);

        Assert.Equal(StandardWebhookSignature.SignAll(decoded, "msg_1", 1_700_000_000, Body), withKeys);
        Assert.True(StandardWebhookSignature.Verify(decoded[1], "msg_1", 1_700_000_000, Body, withKeys));
    }

    [Fact]
    public void IgniteSign_WithKeyOfTheSecret_SameAsWithTheSecret()
    {
        var secret = WebhookSecret.Generate();

        var header = IgniteSignature.Sign(IgniteSignature.KeyOf(secret), 1_700_000_000_123, Body);

        Assert.Equal(IgniteSignature.Sign(secret, 1_700_000_000_123, Body), header);
        Assert.True(IgniteSignature.Verify(secret, Body, header));
    }

    [Theory]
    [InlineData(1, "msg_1")]
    [InlineData(3, "msg_1")]
    [InlineData(8, "msg_1")]
    [InlineData(9, "msg_1")] // more keys than the stack path holds
    [InlineData(2, "msg_é✓😀")] // non-ASCII id: UTF-8 in the signed prefix
    [InlineData(2, "")]
    public void StandardSignAll_WithHmacKeys_SameAsSigningEachKeyOnItsOwn(int keys, string messageId)
    {
        var decoded = Enumerable.Range(0, keys).Select(_ => WebhookSecret.DecodeStandardKey(WebhookSecret.Generate())).ToList();

        var header = StandardWebhookSignature.SignAll(decoded.Select(k => new HmacKey(k)).ToList(), messageId, 1_700_000_000, Body);

        Assert.Equal(string.Join(' ', decoded.Select(k => StandardWebhookSignature.Sign(k, messageId, 1_700_000_000, Body))), header);
    }

    [Fact]
    public void StandardSignAll_LongMessageId_SameAsSigningEachKeyOnItsOwn()
    {
        // A prefix beyond the stack buffer goes through a pooled one.
        var id = new string('x', 2000) + "é";
        var decoded = new[] { WebhookSecret.DecodeStandardKey(WebhookSecret.Generate()), WebhookSecret.DecodeStandardKey(WebhookSecret.Generate()) };

        var header = StandardWebhookSignature.SignAll(decoded.Select(k => new HmacKey(k)).ToList(), id, long.MaxValue, Body);

        Assert.Equal(StandardWebhookSignature.SignAll(decoded, id, long.MaxValue, Body), header);
        Assert.True(StandardWebhookSignature.Verify(decoded[0], id, long.MaxValue, Body, header));
    }

    [Fact]
    public void StandardSignAll_NoKeys_Empty()
    {
        Assert.Equal(string.Empty, StandardWebhookSignature.SignAll(Array.Empty<HmacKey>(), "msg_1", 1, Body));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1_700_000_000_123L)]
    [InlineData(long.MaxValue)]
    [InlineData(-5L)]
    public void IgniteSign_AnyTimestamp_SameAsWithTheSecretAndVerifies(long milliseconds)
    {
        var secret = WebhookSecret.Generate();

        var header = IgniteSignature.Sign(IgniteSignature.KeyOf(secret), milliseconds, Body);

        Assert.Equal(IgniteSignature.Sign(secret, milliseconds, Body), header);
        Assert.Equal(FormattableString.Invariant($"t={milliseconds},v1="), header[..header.IndexOf("v1=", StringComparison.Ordinal)] + "v1=");
        Assert.Equal(64, header.Length - header.IndexOf("v1=", StringComparison.Ordinal) - 3);
    }
}
