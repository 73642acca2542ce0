using System.Globalization;
using System.Text;
using Herald.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using StandardWebhooks;
using static Herald.Receiver.Tests.TestDeliveries;

namespace Herald.Receiver.Tests.Verification;

/// <summary>Checks against the <c>StandardWebhooks</c> NuGet package, an implementation we did not write.</summary>
public sealed class StandardWebhooksInteropTests
{
    private const string Json = """{"event_type":"assets","realm":"proxies","operation":"update","data":{"status":"CLOSED","ünïcode":"✓"}}""";

    private readonly FakeTimeProvider time = new(Now);

    private static HeaderDictionary PackageHeaders(StandardWebhook signer, string id, DateTimeOffset at, string payload) =>
        new()
        {
            [WebhookHeaders.Id] = id,
            [WebhookHeaders.Timestamp] = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            [WebhookHeaders.Signature] = signer.Sign(id, at, payload),
        };

    [Fact]
    public void Verify_PackageSignature_IsValid()
    {
        var headers = PackageHeaders(new StandardWebhook(Secret), "msg_pkg", Now, Json);

        var result = new WebhookVerifier([Secret], time).Verify(headers, Encoding.UTF8.GetBytes(Json));

        Assert.True(result.IsValid, result.Message);
    }

    [Fact]
    public void Verify_PackageSignatureWithRawKey_IsValid()
    {
        var signer = new StandardWebhook(WebhookSecret.DecodeStandardKey(Secret));
        var headers = PackageHeaders(signer, "msg_raw", Now, Json);

        Assert.True(new WebhookVerifier([Secret], time).Verify(headers, Encoding.UTF8.GetBytes(Json)).IsValid);
    }

    [Fact]
    public void Verify_PackageSignatureTamperedBody_NoMatchingSignature()
    {
        var headers = PackageHeaders(new StandardWebhook(Secret), "msg_pkg", Now, Json);
        var tampered = Encoding.UTF8.GetBytes(Json.Replace("CLOSED", "OPEN", StringComparison.Ordinal));

        var result = new WebhookVerifier([Secret], time).Verify(headers, tampered);

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, result.Failure);
    }

    [Fact]
    public void Verify_PackageSignatureOtherSecret_NoMatchingSignature()
    {
        var headers = PackageHeaders(new StandardWebhook(OtherSecret), "msg_pkg", Now, Json);

        var result = new WebhookVerifier([Secret], time).Verify(headers, Encoding.UTF8.GetBytes(Json));

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, result.Failure);
    }

    [Fact]
    public void Verify_PackageSignaturesForRotatedSecrets_AnyOneMatches()
    {
        var payload = Json;
        var old = new StandardWebhook(Secret).Sign("msg_rot", Now, payload);
        var current = new StandardWebhook(OtherSecret).Sign("msg_rot", Now, payload);
        var headers = PackageHeaders(new StandardWebhook(Secret), "msg_rot", Now, payload);
        headers[WebhookHeaders.Signature] = $"{old} {current}";

        Assert.True(new WebhookVerifier([OtherSecret], time).Verify(headers, Encoding.UTF8.GetBytes(payload)).IsValid);
    }

    [Fact]
    public async Task Verify_PackageMadeHttpContent_IsValid()
    {
        // MakeHttpContent serializes the body and sets all three headers itself.
        using var content = new StandardWebhook(Secret).MakeHttpContent(new { id = "v-1", status = "COMPLETE" }, "msg_content", Now);
        var headers = new HeaderDictionary();
        foreach (var (name, values) in content.Headers)
        {
            headers[name] = values.ToArray();
        }

        var body = await content.ReadAsByteArrayAsync();

        Assert.True(new WebhookVerifier([Secret], time).Verify(headers, body).IsValid);
    }

    [Fact]
    public void PackageVerify_HeraldSignedHeaders_Accepts()
    {
        // The other direction: the package accepts what Herald.Signing produces (its clock is the real one).
        var body = Encoding.UTF8.GetBytes(Json);
        var headers = Headers(body, id: "msg_herald", at: DateTimeOffset.UtcNow, secrets: [OtherSecret], withIgnite: false);

        var exception = Record.Exception(() => new StandardWebhook(OtherSecret).Verify(Json, headers));

        Assert.Null(exception);
    }

    [Fact]
    public void PackageVerify_HeraldRotationHeader_AcceptsFirstEntry()
    {
        // StandardWebhooks 1.1.2 only matches the first of several space-separated signatures (it compares
        // the last one against the whole header), so this checks the first; our verifier checks them all.
        var body = Encoding.UTF8.GetBytes(Json);
        var headers = Headers(body, id: "msg_rotation", at: DateTimeOffset.UtcNow, secrets: [Secret, OtherSecret], withIgnite: false);

        var exception = Record.Exception(() => new StandardWebhook(Secret).Verify(Json, headers));

        Assert.Null(exception);
    }
}
