using System.Globalization;
using System.Text;
using Herald.Signing;
using Microsoft.AspNetCore.Http;

namespace Herald.Receiver.Tests;

/// <summary>Secrets, bodies and header sets signed the way Herald's server signs them (Herald.Signing).</summary>
internal static class TestDeliveries
{
    // Fixed so that failures reproduce; 32 bytes each, as WebhookSecret.Generate makes them.
    public const string Secret = "whsec_vPmmliULzjTImgMMpMHMLYKCbvfshiQt3oMvQOSZQgU=";
    public const string OtherSecret = "whsec_NjxLnJ5/cXAYKCr3ZNd1sCPbxlybD2pdepcCkMjQ5RU=";

    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static byte[] Body(string json = """{"event_type":"assets","operation":"update","object_id":"a-1","data":{"title":"Clip"}}""") =>
        Encoding.UTF8.GetBytes(json);

    /// <summary>Standard Webhooks headers (plus Herald's Ignite-style extras unless <paramref name="withIgnite"/> is false).</summary>
    public static HeaderDictionary Headers(
        byte[] body,
        string id = "msg_1",
        DateTimeOffset? at = null,
        IReadOnlyList<string>? secrets = null,
        bool withIgnite = true)
    {
        var timestamp = at ?? Now;
        secrets ??= [Secret];
        var headers = new HeaderDictionary
        {
            [WebhookHeaders.Id] = id,
            [WebhookHeaders.Timestamp] = timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            [WebhookHeaders.Signature] = StandardWebhookSignature.SignAll(
                [.. secrets.Select(WebhookSecret.DecodeStandardKey)], id, timestamp.ToUnixTimeSeconds(), body),
            [WebhookHeaders.DeliveryId] = id,
            [WebhookHeaders.Event] = "assets.metadata.update",
            [WebhookHeaders.Attempt] = "1",
        };
        if (withIgnite)
        {
            headers[WebhookHeaders.IgniteSignature] = IgniteSignature.Sign(secrets[0], timestamp.ToUnixTimeMilliseconds(), body);
        }

        return headers;
    }

    /// <summary>Only the Ignite-style headers, as Ignite itself sends them.</summary>
    public static HeaderDictionary IgniteHeaders(byte[] body, string id = "dlv_1", DateTimeOffset? at = null, string secret = Secret) =>
        new()
        {
            [WebhookHeaders.DeliveryId] = id,
            [WebhookHeaders.Event] = "video.updated",
            [WebhookHeaders.IgniteSignature] = IgniteSignature.Sign(secret, (at ?? Now).ToUnixTimeMilliseconds(), body),
        };
}
