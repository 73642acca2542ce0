using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Herald.Signing;
using Microsoft.Extensions.Time.Testing;
using static Herald.Receiver.Tests.TestDeliveries;

namespace Herald.Receiver.Tests.Verification;

public sealed class WebhookVerifierIgniteTests
{
    private readonly FakeTimeProvider time = new(Now);

    private WebhookVerifier Verifier(params string[] secrets) =>
        new(secrets.Length == 0 ? [Secret] : secrets, time);

    [Fact]
    public void Verify_IgniteSignedDelivery_IsValid()
    {
        var body = Body();

        var result = Verifier().Verify(IgniteHeaders(body), body);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(WebhookSignatureSchemes.Ignite, result.Scheme);
        Assert.Equal(Now, result.Timestamp);
    }

    [Fact]
    public void VerifyIgnite_KeyIsWholeSecretString_IsValid()
    {
        // Written out by hand: HMAC key = UTF-8 of the whole secret, prefix included; hex of t + "." + body.
        var body = Body();
        var t = Now.ToUnixTimeMilliseconds();
        var content = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{t}.")).Concat(body).ToArray();
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), content);

        var lower = Verifier().VerifyIgnite($"t={t},v1={Convert.ToHexStringLower(mac)}", body);
        var upper = Verifier().VerifyIgnite($"t={t},v1={Convert.ToHexString(mac)}", body);

        Assert.True(lower.IsValid, lower.Message);
        Assert.True(upper.IsValid, upper.Message);
    }

    [Fact]
    public void VerifyIgnite_TamperedBody_NoMatchingSignature()
    {
        var headers = IgniteHeaders(Body());

        var result = Verifier().Verify(headers, Body("""{"id":"other"}"""));

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, result.Failure);
    }

    [Fact]
    public void VerifyIgnite_WrongSecret_NoMatchingSignature()
    {
        var body = Body();

        var result = Verifier(OtherSecret).Verify(IgniteHeaders(body), body);

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, result.Failure);
    }

    [Fact]
    public void VerifyIgnite_TamperedTimestamp_NoMatchingSignature()
    {
        var body = Body();
        var header = IgniteSignature.Sign(Secret, Now.ToUnixTimeMilliseconds(), body);
        var moved = header.Replace(
            $"t={Now.ToUnixTimeMilliseconds()}", $"t={Now.ToUnixTimeMilliseconds() + 1}", StringComparison.Ordinal);

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, Verifier().VerifyIgnite(moved, body).Failure);
    }

    [Fact]
    public void VerifyIgnite_OldTimestamp_TimestampTooOld()
    {
        var body = Body();

        var result = Verifier().Verify(IgniteHeaders(body, at: Now.AddMinutes(-5).AddMilliseconds(-1)), body);

        Assert.Equal(WebhookVerificationFailure.TimestampTooOld, result.Failure);
    }

    [Fact]
    public void VerifyIgnite_FutureTimestamp_TimestampTooNew()
    {
        var body = Body();

        var result = Verifier().Verify(IgniteHeaders(body, at: Now.AddMinutes(5).AddMilliseconds(1)), body);

        Assert.Equal(WebhookVerificationFailure.TimestampTooNew, result.Failure);
    }

    [Theory]
    [InlineData("v1=abcdef")]
    [InlineData("t=1748779200000")]
    [InlineData("t=soon,v1=abcdef")]
    [InlineData("sha256=abcdef")]
    public void VerifyIgnite_MalformedHeader_MalformedSignature(string header)
    {
        var result = Verifier().VerifyIgnite(header, Body());

        Assert.Equal(WebhookVerificationFailure.MalformedSignature, result.Failure);
        Assert.True(result.IsMalformed);
    }

    [Fact]
    public void VerifyIgnite_EmptyHeader_MissingHeaders()
    {
        Assert.Equal(WebhookVerificationFailure.MissingHeaders, Verifier().VerifyIgnite("", Body()).Failure);
    }

    [Fact]
    public void VerifyIgnite_MultipleSignaturesOneValid_IsValid()
    {
        var body = Body();
        var valid = IgniteSignature.Sign(OtherSecret, Now.ToUnixTimeMilliseconds(), body);
        var header = $"{valid},v1={new string('0', 64)},v1=zz";

        Assert.True(Verifier(Secret, OtherSecret).VerifyIgnite(header, body).IsValid);
        Assert.False(Verifier(Secret).VerifyIgnite(header, body).IsValid);
    }

    [Fact]
    public void Verify_BothSchemesPresent_PrefersStandard()
    {
        var body = Body();
        var headers = Headers(body);
        headers[WebhookHeaders.IgniteSignature] = "t=1,v1=00";

        var result = Verifier().Verify(headers, body);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(WebhookSignatureSchemes.Standard, result.Scheme);
    }

    [Fact]
    public void Verify_IgniteOnlyAccepted_IgnoresStandardHeaders()
    {
        var options = new WebhookVerifierOptions { Schemes = WebhookSignatureSchemes.Ignite };
        options.Secrets.Add(Secret);
        var body = Body();
        var headers = Headers(body);
        headers[WebhookHeaders.IgniteSignature] = "t=1,v1=00";

        var result = new WebhookVerifier(options, time).Verify(headers, body);

        Assert.Equal(WebhookSignatureSchemes.Ignite, result.Scheme);
        Assert.Equal(WebhookVerificationFailure.TimestampTooOld, result.Failure);
    }

    [Fact]
    public void Verify_StandardOnlyAccepted_IgniteHeaderAlone_MissingHeaders()
    {
        var options = new WebhookVerifierOptions { Schemes = WebhookSignatureSchemes.Standard };
        options.Secrets.Add(Secret);
        var body = Body();

        var result = new WebhookVerifier(options, time).Verify(IgniteHeaders(body), body);

        Assert.Equal(WebhookVerificationFailure.MissingHeaders, result.Failure);
        Assert.Contains(WebhookHeaders.Signature, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_SecretNotBase64_StillVerifiesIgnite()
    {
        // Ignite's own secrets need not be base64; they must still work for the Ignite scheme.
        const string igniteSecret = "whsec_abc123.not-base64";
        var body = Body();

        var result = Verifier(igniteSecret).Verify(IgniteHeaders(body, secret: igniteSecret), body);

        Assert.True(result.IsValid, result.Message);
    }

    [Fact]
    public void Constructor_NoSecrets_Throws()
    {
        Assert.Throws<ArgumentException>(() => new WebhookVerifier([], time));
        Assert.Throws<ArgumentException>(() => new WebhookVerifier([" "], time));
    }

    [Fact]
    public void Constructor_StandardOnlyWithoutBase64Secret_Throws()
    {
        var options = new WebhookVerifierOptions { Schemes = WebhookSignatureSchemes.Standard };
        options.Secrets.Add("not base64!");

        Assert.Throws<ArgumentException>(() => new WebhookVerifier(options, time));
    }

    [Fact]
    public void Constructor_NonPositiveTolerance_Throws()
    {
        var options = new WebhookVerifierOptions { Tolerance = TimeSpan.Zero };
        options.Secrets.Add(Secret);

        Assert.Throws<ArgumentException>(() => new WebhookVerifier(options, time));
    }
}
