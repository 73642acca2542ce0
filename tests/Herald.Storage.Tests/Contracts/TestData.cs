using Herald.Core.Webhooks;

namespace Herald.Storage.Tests.Contracts;

/// <summary>The fixed time and the webhook every storage test starts from, whichever provider or fixture it uses.</summary>
internal static class TestData
{
    public static readonly DateTimeOffset T0 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static Webhook NewWebhook(string id, WebhookStatus status = WebhookStatus.Enabled, string? domainId = null) => new()
    {
        Id = id,
        DomainId = domainId,
        Url = $"https://example.com/{id}",
        EventType = "assets",
        Status = status,
        Secrets = [new WebhookSecretEntry("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", null)],
        DateCreated = T0,
        DateModified = T0,
    };
}
