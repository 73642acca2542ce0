using System.Net;
using System.Text.Json;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>Replay, delivery listing and event helpers shared by the recovery tests.</summary>
public static class RecoveryCalls
{
    /// <summary>A small event whose <c>object_id</c> tells the tests which one arrived.</summary>
    public static string Event(string objectId, string eventType = "assets") =>
        JsonSerializer.Serialize(new { event_type = eventType, operation = "update", object_id = objectId, data = new { title = objectId } });

    public static string ObjectId(this ReceivedRequest request) =>
        JsonDocument.Parse(request.Body).RootElement.GetProperty("object_id").GetString()!;

    public static Task<JsonElement> ReplayAsync(this HeraldClient client, string webhookId, object body) =>
        client.JsonAsync(HttpMethod.Post, $"api/v1/webhooks/{webhookId}/replay", JsonSerializer.Serialize(body), HttpStatusCode.Accepted);

    public static async Task<JsonElement> WaitForReplayAsync(this HeraldClient client, string jobId, string status)
    {
        var job = default(JsonElement);
        await Eventually.TrueAsync(
            async () => (job = await client.GetAsync($"api/v1/replays/{jobId}")).GetProperty("status").GetString() == status,
            what: $"replay {jobId} to be {status}");
        return job;
    }

    public static async Task<IReadOnlyList<JsonElement>> DeliveriesAsync(this HeraldClient client, string webhookId, string? status = null)
    {
        var query = $"api/v1/deliveries?webhook_id={webhookId}&limit=1000" + (status is null ? string.Empty : $"&status={status}");
        return (await client.GetAsync(query)).GetProperty("objects").EnumerateArray().ToList();
    }

    public static Task WaitForDeliveriesAsync(this HeraldClient client, string webhookId, string status, int count) =>
        Eventually.TrueAsync(
            async () => (await client.DeliveriesAsync(webhookId, status)).Count == count,
            what: $"{count} {status} deliveries of webhook {webhookId}");

    public static string Id(this JsonElement element) => element.GetProperty("id").GetString()!;
}
