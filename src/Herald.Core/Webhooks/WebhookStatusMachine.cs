namespace Herald.Core.Webhooks;

/// <summary>The part of a webhook that attempts change.</summary>
public readonly record struct WebhookHealth(WebhookStatus Status, DateTimeOffset? FirstFailedAt, string? LastError);

/// <summary>What one attempt did, as far as the webhook's status cares.</summary>
public readonly record struct AttemptVerdict(bool Succeeded, int StatusCode, string? Error);

/// <summary>
/// iconik's lifecycle: ENABLED → FAILING on a failed attempt; FAILING → ENABLED on a success;
/// FAILING → DISABLED once it has failed for <c>disableAfter</c>; 410 Gone → DISABLED at once.
/// PAUSED and DISABLED are set by people (or by this machine) and attempts don't move them.
/// </summary>
public static class WebhookStatusMachine
{
    public static readonly TimeSpan DefaultDisableAfter = TimeSpan.FromHours(5);

    public static WebhookHealth Apply(WebhookHealth current, AttemptVerdict verdict, DateTimeOffset now, TimeSpan disableAfter)
    {
        if (current.Status is WebhookStatus.Paused or WebhookStatus.Disabled)
        {
            return verdict.Succeeded ? current : current with { LastError = verdict.Error };
        }

        if (verdict.Succeeded)
        {
            return current.Status == WebhookStatus.Failing
                ? new WebhookHealth(WebhookStatus.Enabled, null, current.LastError)
                : current;
        }

        if (verdict.StatusCode == 410)
        {
            return new WebhookHealth(WebhookStatus.Disabled, current.FirstFailedAt ?? now, verdict.Error);
        }

        // The failure clock runs from the first failure since the webhook was last healthy.
        var firstFailedAt = current.Status == WebhookStatus.Failing ? current.FirstFailedAt ?? now : now;
        var status = now - firstFailedAt >= disableAfter ? WebhookStatus.Disabled : WebhookStatus.Failing;
        return new WebhookHealth(status, firstFailedAt, verdict.Error);
    }
}
