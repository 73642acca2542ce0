namespace Herald.Core.Webhooks;

/// <summary>iconik's webhook lifecycle.</summary>
public enum WebhookStatus
{
    Enabled,
    Failing,
    Disabled,
    Paused,
}

public static class WebhookStatusNames
{
    public static string ToWire(this WebhookStatus status) => status switch
    {
        WebhookStatus.Enabled => "ENABLED",
        WebhookStatus.Failing => "FAILING",
        WebhookStatus.Disabled => "DISABLED",
        WebhookStatus.Paused => "PAUSED",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static bool TryParse(string? text, out WebhookStatus status)
    {
        switch (text)
        {
            case "ENABLED": status = WebhookStatus.Enabled; return true;
            case "FAILING": status = WebhookStatus.Failing; return true;
            case "DISABLED": status = WebhookStatus.Disabled; return true;
            case "PAUSED": status = WebhookStatus.Paused; return true;
            default: status = default; return false;
        }
    }

    /// <summary>Whether deliveries of a webhook in this status may be sent now.</summary>
    public static bool Sends(this WebhookStatus status) => status is WebhookStatus.Enabled or WebhookStatus.Failing;

    /// <summary>Whether new events are matched (and stored) for a webhook in this status.</summary>
    public static bool Matches(this WebhookStatus status) => status != WebhookStatus.Disabled;
}
