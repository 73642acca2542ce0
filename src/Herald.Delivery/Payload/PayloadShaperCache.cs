using System.Collections.Concurrent;
using Herald.Core.Webhooks;

namespace Herald.Delivery.Payload;

/// <summary>One compiled shaper per webhook, rebuilt only when its payload options change.</summary>
public sealed class PayloadShaperCache
{
    private readonly ConcurrentDictionary<string, (PayloadOptions? Options, PayloadShaper Shaper)> _shapers = new(StringComparer.Ordinal);

    public PayloadShaper For(Webhook webhook)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        if (_shapers.TryGetValue(webhook.Id, out var cached) && ReferenceEquals(cached.Options, webhook.Payload))
        {
            return cached.Shaper;
        }

        // Options were validated when the webhook was saved; a failure here is a stored-data bug.
        if (!PayloadShaper.TryCreate(webhook.Payload, out var shaper, out var error))
        {
            throw new InvalidOperationException($"webhook {webhook.Id} has invalid payload options: {error}");
        }

        _shapers[webhook.Id] = (webhook.Payload, shaper!);
        return shaper!;
    }
}
