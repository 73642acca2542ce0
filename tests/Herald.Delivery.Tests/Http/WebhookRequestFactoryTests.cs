using System.Text;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Delivery.Http;
using Herald.Signing;
using Herald.Storage;

namespace Herald.Delivery.Tests.Http;

public sealed class WebhookRequestFactoryTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"id\":\"e1\"}");

    [Fact]
    public void Create_DuringRotationThenAfterTheOldSecretExpires_SignsWithBothThenOnlyTheNew()
    {
        var (old, fresh) = (WebhookSecret.Generate(), WebhookSecret.Generate());
        var webhook = Hook(new WebhookSecretEntry(fresh, null), new WebhookSecretEntry(old, T0.AddHours(1)));

        var during = Signatures(webhook, T0);
        var after = Signatures(webhook, T0.AddHours(1));

        Assert.Equal(2, during.Length);
        Assert.True(Verifies(fresh, T0, during) && Verifies(old, T0, during));
        var only = Assert.Single(after);
        Assert.True(Verifies(fresh, T0.AddHours(1), [only]));
        Assert.False(Verifies(old, T0.AddHours(1), [only]));
    }

    [Fact]
    public void Create_ChangedDefinition_SignsWithTheNewSecret()
    {
        var (first, second) = (WebhookSecret.Generate(), WebhookSecret.Generate());
        var webhook = Hook(new WebhookSecretEntry(first, null));
        Signatures(webhook, T0);

        var changed = webhook with { Secrets = [new WebhookSecretEntry(second, null)] };

        Assert.True(Verifies(second, T0, Signatures(changed, T0)));
        Assert.True(Verifies(first, T0, Signatures(webhook, T0)));
    }

    [Fact]
    public void Create_Headers_CarryIdTimestampEventAttemptAndIgniteSignature()
    {
        var secret = WebhookSecret.Generate();
        using var request = WebhookRequestFactory.Create(Hook(new WebhookSecretEntry(secret, null)), Claimed(), 3, T0, Body, null);

        Assert.Equal("d1", Header(request, WebhookHeaders.Id));
        Assert.Equal(T0.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), Header(request, WebhookHeaders.Timestamp));
        Assert.Equal("assets.proxies.update", Header(request, WebhookHeaders.Event));
        Assert.Equal("3", Header(request, WebhookHeaders.Attempt));
        Assert.True(IgniteSignature.Verify(secret, Body, Header(request, WebhookHeaders.IgniteSignature)));
    }

    [Theory]
    [InlineData(1, "1")]
    [InlineData(63, "63")]
    [InlineData(64, "64")]
    [InlineData(1000, "1000")]
    public void Create_AttemptNumber_WrittenAsDecimalText(int attempt, string expected)
    {
        using var request = WebhookRequestFactory.Create(Hook(new WebhookSecretEntry(WebhookSecret.Generate(), null)), Claimed(), attempt, T0, Body, null);

        Assert.Equal(expected, Header(request, WebhookHeaders.Attempt));
    }

    [Fact]
    public void Create_OneSecondApart_EachCarriesItsOwnTimestamp()
    {
        var webhook = Hook(new WebhookSecretEntry(WebhookSecret.Generate(), null));
        using var first = WebhookRequestFactory.Create(webhook, Claimed(), 1, T0, Body, null);
        using var same = WebhookRequestFactory.Create(webhook, Claimed(), 1, T0.AddMilliseconds(999), Body, null);
        using var next = WebhookRequestFactory.Create(webhook, Claimed(), 1, T0.AddSeconds(1), Body, null);

        Assert.Equal(T0.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), Header(first, WebhookHeaders.Timestamp));
        Assert.Equal(Header(first, WebhookHeaders.Timestamp), Header(same, WebhookHeaders.Timestamp));
        Assert.Equal((T0.ToUnixTimeSeconds() + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), Header(next, WebhookHeaders.Timestamp));
    }

    [Fact]
    public void Create_EditedHeaders_UsesTheEditedDefinitionsValuesAndTheOldOneKeepsItsOwn()
    {
        var webhook = Hook() with { Headers = new Dictionary<string, string> { ["X-Team"] = "blue" } };
        using var before = WebhookRequestFactory.Create(webhook, Claimed(), 1, T0, Body, null);
        var edited = webhook with { Version = webhook.Version + 1, Headers = new Dictionary<string, string> { ["X-Team"] = "green" } };

        using var after = WebhookRequestFactory.Create(edited, Claimed(), 2, T0, Body, null);
        using var old = WebhookRequestFactory.Create(webhook, Claimed(), 2, T0, Body, null);

        Assert.Equal("blue", Header(before, "X-Team"));
        Assert.Equal("green", Header(after, "X-Team"));
        Assert.Equal("blue", Header(old, "X-Team"));
    }

    [Fact]
    public void Create_UnsafeAuthorization_RefusedEachTimeWithoutQuotingIt()
    {
        var webhook = Hook();
        using var fine = WebhookRequestFactory.Create(webhook, Claimed(), 1, T0, Body, "Bearer good");

        var first = Assert.Throws<HttpRequestException>(() => WebhookRequestFactory.Create(webhook, Claimed(), 1, T0, Body, "Bearer bad\r\nX-Evil: 1"));
        var second = Assert.Throws<HttpRequestException>(() => WebhookRequestFactory.Create(webhook, Claimed(), 1, T0, Body, "Bearer bad\r\nX-Evil: 1"));

        Assert.Equal("Bearer good", Header(fine, "Authorization"));
        Assert.Equal("refused to send: header Authorization (the credentials) contains a line break (CR or LF)", first.Message);
        Assert.Equal(first.Message, second.Message);
        Assert.DoesNotContain("bad", first.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_BadCustomHeaderAndBadCredentials_TheCustomHeaderIsNamedFirst()
    {
        var webhook = Hook() with { Headers = new Dictionary<string, string> { ["X-Ok"] = "fine", ["Bad Name"] = "v" } };

        var refused = Assert.Throws<HttpRequestException>(() => WebhookRequestFactory.Create(webhook, Claimed(), 1, T0, Body, "Bearer bad\nvalue"));

        Assert.Equal("refused to send: the header name of custom header is not a valid HTTP token", refused.Message);
    }

    private static Webhook Hook(params WebhookSecretEntry[] secrets) => new()
    {
        Id = "wh-1",
        Url = "https://example.com/hook",
        EventType = "assets",
        Secrets = secrets,
    };

    private static ClaimedDelivery Claimed() => new("d1", "wh-1", "e1", null, 0, "assets.proxies.update", Body, T0.AddMinutes(5));

    private static string[] Signatures(Webhook webhook, DateTimeOffset now)
    {
        using var request = WebhookRequestFactory.Create(webhook, Claimed(), 1, now, Body, null);
        return Header(request, WebhookHeaders.Signature).Split(' ');
    }

    private static bool Verifies(string secret, DateTimeOffset now, string[] signatures) =>
        StandardWebhookSignature.Verify(WebhookSecret.DecodeStandardKey(secret), "d1", now.ToUnixTimeSeconds(), Body, string.Join(' ', signatures));

    private static string Header(HttpRequestMessage request, string name) => string.Join(",", request.Headers.GetValues(name));
}
