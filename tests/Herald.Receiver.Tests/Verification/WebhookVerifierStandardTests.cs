using System.Text;
using Herald.Signing;
using Microsoft.Extensions.Time.Testing;
using static Herald.Receiver.Tests.TestDeliveries;

namespace Herald.Receiver.Tests.Verification;

public sealed class WebhookVerifierStandardTests
{
    private readonly FakeTimeProvider time = new(Now);

    private WebhookVerifier Verifier(params string[] secrets) =>
        new(secrets.Length == 0 ? [Secret] : secrets, time);

    [Fact]
    public void Verify_HeraldSignedDelivery_IsValid()
    {
        var body = Body();

        var result = Verifier().Verify(Headers(body), body);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(WebhookVerificationFailure.None, result.Failure);
        Assert.Equal(WebhookSignatureSchemes.Standard, result.Scheme);
        Assert.Equal(Now, result.Timestamp);
    }

    [Fact]
    public void Verify_TamperedBody_NoMatchingSignature()
    {
        var body = Body();
        var headers = Headers(body);
        var tampered = Body("""{"event_type":"assets","operation":"delete","object_id":"a-1","data":{"title":"Clip"}}""");

        var result = Verifier().Verify(headers, tampered);

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, result.Failure);
        Assert.False(result.IsValid);
        Assert.False(result.IsMalformed);
    }

    [Fact]
    public void Verify_OneByteAppended_NoMatchingSignature()
    {
        var body = Body();
        var headers = Headers(body);

        var result = Verifier().Verify(headers, [.. body, (byte)' ']);

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, result.Failure);
    }

    [Fact]
    public void Verify_TamperedMessageId_NoMatchingSignature()
    {
        var body = Body();
        var headers = Headers(body, id: "msg_1");
        headers[WebhookHeaders.Id] = "msg_2";

        var result = Verifier().Verify(headers, body);

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, result.Failure);
    }

    [Fact]
    public void Verify_WrongSecret_NoMatchingSignature()
    {
        var body = Body();

        var result = Verifier(OtherSecret).Verify(Headers(body), body);

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, result.Failure);
        Assert.DoesNotContain(OtherSecret, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TimestampOlderThanTolerance_TimestampTooOld()
    {
        var body = Body();
        var headers = Headers(body, at: Now.AddMinutes(-5).AddSeconds(-1));

        var result = Verifier().Verify(headers, body);

        Assert.Equal(WebhookVerificationFailure.TimestampTooOld, result.Failure);
        Assert.Contains("301 s old", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TimestampNewerThanTolerance_TimestampTooNew()
    {
        var body = Body();
        var headers = Headers(body, at: Now.AddMinutes(5).AddSeconds(1));

        var result = Verifier().Verify(headers, body);

        Assert.Equal(WebhookVerificationFailure.TimestampTooNew, result.Failure);
    }

    [Theory]
    [InlineData(-300)]
    [InlineData(300)]
    public void Verify_TimestampAtToleranceEdge_IsValid(int offsetSeconds)
    {
        var body = Body();
        var headers = Headers(body, at: Now.AddSeconds(offsetSeconds));

        Assert.True(Verifier().Verify(headers, body).IsValid);
    }

    [Fact]
    public void Verify_ValidDeliveryReplayedLater_TimestampTooOld()
    {
        var body = Body();
        var headers = Headers(body);
        var verifier = Verifier();
        Assert.True(verifier.Verify(headers, body).IsValid);

        time.Advance(TimeSpan.FromMinutes(6));

        Assert.Equal(WebhookVerificationFailure.TimestampTooOld, verifier.Verify(headers, body).Failure);
    }

    [Fact]
    public void Verify_CustomTolerance_Applies()
    {
        var options = new WebhookVerifierOptions { Tolerance = TimeSpan.FromSeconds(30) };
        options.Secrets.Add(Secret);
        var verifier = new WebhookVerifier(options, time);
        var body = Body();

        Assert.Equal(WebhookVerificationFailure.TimestampTooOld, verifier.Verify(Headers(body, at: Now.AddSeconds(-31)), body).Failure);
        Assert.True(verifier.Verify(Headers(body, at: Now.AddSeconds(-30)), body).IsValid);
    }

    [Theory]
    [InlineData(WebhookHeaders.Id)]
    [InlineData(WebhookHeaders.Timestamp)]
    public void Verify_StandardHeaderMissing_MissingHeaders(string header)
    {
        var body = Body();
        var headers = Headers(body, withIgnite: false);
        headers.Remove(header);

        var result = Verifier().Verify(headers, body);

        Assert.Equal(WebhookVerificationFailure.MissingHeaders, result.Failure);
        Assert.Contains(header, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_NoSignatureHeader_MissingHeaders()
    {
        var body = Body();
        var headers = Headers(body, withIgnite: false);
        headers.Remove(WebhookHeaders.Signature);

        var result = Verifier().Verify(headers, body);

        Assert.Equal(WebhookVerificationFailure.MissingHeaders, result.Failure);
        Assert.Equal(WebhookSignatureSchemes.None, result.Scheme);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1748779200")]
    [InlineData("1748779200.5")]
    [InlineData("99999999999999999999999")]
    public void Verify_MalformedTimestamp_MalformedTimestamp(string timestamp)
    {
        var body = Body();
        var headers = Headers(body);
        headers[WebhookHeaders.Timestamp] = timestamp;

        var result = Verifier().Verify(headers, body);

        Assert.Equal(WebhookVerificationFailure.MalformedTimestamp, result.Failure);
        Assert.True(result.IsMalformed);
    }

    [Fact]
    public void Verify_FarFutureTimestamp_TimestampTooNewWithoutOverflow()
    {
        var body = Body();

        var result = Verifier().VerifyStandard("msg_1", long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), "v1,AAAA", body);

        Assert.Equal(WebhookVerificationFailure.TimestampTooNew, result.Failure);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Verify_MultipleSignaturesOneValid_IsValid(bool validFirst)
    {
        var body = Body();
        var headers = Headers(body);
        var valid = headers[WebhookHeaders.Signature].ToString();
        var junk = "v1," + Convert.ToBase64String(new byte[32]) + " v1,notbase64!! v2,abc v1a," + valid[3..];
        headers[WebhookHeaders.Signature] = validFirst ? $"{valid} {junk}" : $"{junk} {valid}";

        Assert.True(Verifier().Verify(headers, body).IsValid);
    }

    [Fact]
    public void Verify_SignatureHeaderRepeated_ChecksEveryValue()
    {
        var body = Body();
        var headers = Headers(body);
        var valid = headers[WebhookHeaders.Signature].ToString();
        headers[WebhookHeaders.Signature] = new Microsoft.Extensions.Primitives.StringValues(["v1,AAAA", valid]);

        Assert.True(Verifier().Verify(headers, body).IsValid);
    }

    [Fact]
    public void Verify_OnlyNonV1Signatures_NoMatchingSignature()
    {
        var body = Body();
        var headers = Headers(body);
        headers[WebhookHeaders.Signature] = "v1a," + headers[WebhookHeaders.Signature].ToString()[3..];

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, Verifier().Verify(headers, body).Failure);
    }

    [Fact]
    public void Verify_RotationBothSecretsConfigured_AcceptsDeliveriesSignedWithEither()
    {
        var body = Body();
        var verifier = Verifier(OtherSecret, Secret);

        Assert.True(verifier.Verify(Headers(body, secrets: [Secret]), body).IsValid);
        Assert.True(verifier.Verify(Headers(body, secrets: [OtherSecret]), body).IsValid);
    }

    [Fact]
    public void Verify_RotationSenderSignsWithOldAndNew_ReceiverWithEitherAccepts()
    {
        var body = Body();
        var headers = Headers(body, secrets: [Secret, OtherSecret]);
        Assert.Contains(" ", headers[WebhookHeaders.Signature].ToString(), StringComparison.Ordinal);

        Assert.True(Verifier(Secret).Verify(headers, body).IsValid);
        Assert.True(Verifier(OtherSecret).Verify(headers, body).IsValid);
        Assert.False(Verifier(WebhookSecret.Generate()).Verify(headers, body).IsValid);
    }

    [Fact]
    public void Verify_HeaderNamesInOtherCase_AreFound()
    {
        var body = Body();
        var source = Headers(body, withIgnite: false);
        var headers = new Microsoft.AspNetCore.Http.HeaderDictionary();
        foreach (var (name, value) in source)
        {
            headers[name.ToUpperInvariant()] = value;
        }

        Assert.True(Verifier().Verify(headers, body).IsValid);
    }

    [Fact]
    public void VerifyStandard_SignatureComputedIndependently_IsValid()
    {
        // The spec's construction written out by hand, not through Herald.Signing.
        var body = Body();
        var key = Convert.FromBase64String(Secret["whsec_".Length..]);
        var content = Encoding.UTF8.GetBytes($"msg_x.{Now.ToUnixTimeSeconds()}.").Concat(body).ToArray();
        var signature = "v1," + Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(key, content));

        var result = Verifier().VerifyStandard("msg_x", Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), signature, body);

        Assert.True(result.IsValid, result.Message);
    }
}
