namespace Herald.Receiver;

/// <summary>The ordering guard as the endpoint sees it, without the version type.</summary>
internal interface IWebhookOrdering
{
    /// <summary>Reads the object id and version; null when the event is not ordered. Throws when a selector fails.</summary>
    Func<Func<CancellationToken, ValueTask>, CancellationToken, ValueTask<OrderingOutcome>>? Prepare(WebhookContext context);
}

internal sealed class WebhookOrdering<TVersion>(
    Func<WebhookContext, string?> objectIdSelector,
    Func<WebhookContext, TVersion?> versionSelector,
    OrderingGuard<TVersion> guard) : IWebhookOrdering
    where TVersion : notnull
{
    public Func<Func<CancellationToken, ValueTask>, CancellationToken, ValueTask<OrderingOutcome>>? Prepare(WebhookContext context)
    {
        if (objectIdSelector(context) is not { } objectId || versionSelector(context) is not { } version)
        {
            return null;
        }

        return (apply, cancellationToken) => guard.RunAsync(objectId, version, apply, cancellationToken);
    }
}
