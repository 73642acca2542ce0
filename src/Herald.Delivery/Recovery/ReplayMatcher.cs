using System.Text.Json;
using Herald.Core.Events;
using Herald.Core.Webhooks;

namespace Herald.Delivery.Recovery;

/// <summary>
/// Does a stored event match one webhook as it is defined now? Uses <see cref="WebhookIndex"/> itself
/// (domain, type, operation, realm, object id, then the compiled filter), so replay and live
/// publishing can never disagree. The status is set aside: replay matches on the definition, and the
/// store holds the new deliveries while the webhook is paused or disabled.
/// </summary>
internal sealed class ReplayMatcher
{
    // Deeper than ingest accepts, so every stored body parses.
    private static readonly JsonDocumentOptions Parsing = new() { MaxDepth = 256 };

    private readonly WebhookIndex _index;
    private readonly bool _hasFilter;
    private readonly List<Webhook> _matches = new(1);

    public ReplayMatcher(IndexedWebhook webhook)
    {
        _index = new WebhookIndex([webhook with { Webhook = webhook.Webhook with { Status = WebhookStatus.Enabled } }]);
        _hasFilter = webhook.Filter is not null;
    }

    public bool Matches(PublishedEvent published)
    {
        _matches.Clear();
        if (!_hasFilter)
        {
            _index.Match(published, default, _matches);
            return _matches.Count > 0;
        }

        try
        {
            using var document = JsonDocument.Parse(published.Body, Parsing);
            _index.Match(published, document.RootElement, _matches);
            return _matches.Count > 0;
        }
        catch (JsonException)
        {
            // Ingest validated every body; should one still not parse, it cannot match a filter,
            // and it must not stall the job.
            return false;
        }
    }
}
