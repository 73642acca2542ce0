namespace Herald.Receiver;

/// <summary>Settings for one endpoint mapped with <c>MapHeraldWebhook</c>.</summary>
public sealed class HeraldWebhookOptions
{
    /// <summary>The default largest accepted body: 4 MiB.</summary>
    public const long DefaultMaxBodySize = 4 * 1024 * 1024;

    /// <summary>
    /// The webhook's signing secrets; several during a rotation. When empty, they are read from configuration:
    /// <c>Herald:Receiver:Secrets</c> (a list) and <c>Herald:Receiver:Secret</c> (e.g. the environment variable
    /// <c>Herald__Receiver__Secret</c>).
    /// </summary>
    public IList<string> Secrets { get; } = new List<string>();

    /// <summary>How far the signed timestamp may lie from now, in either direction. Default 5 minutes.</summary>
    public TimeSpan TimestampTolerance { get; set; } = WebhookVerifierOptions.DefaultTolerance;

    /// <summary>Which signature schemes are accepted. Default <see cref="WebhookSignatureSchemes.Any"/>.</summary>
    public WebhookSignatureSchemes Schemes { get; set; } = WebhookSignatureSchemes.Any;

    /// <summary>
    /// Where seen delivery ids are kept. When null: an <see cref="IDeliveryDeduplicationStore"/> registered
    /// in the services, else a new <see cref="InMemoryDeliveryDeduplicationStore"/> for this endpoint.
    /// </summary>
    public IDeliveryDeduplicationStore? DeduplicationStore { get; set; }

    /// <summary>The clock. When null: a <see cref="System.TimeProvider"/> registered in the services, else the system clock.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>The largest accepted body in bytes; larger requests get 413. Default 4 MiB.</summary>
    public long MaxBodySize { get; set; } = DefaultMaxBodySize;

    internal IWebhookOrdering? Ordering { get; private set; }

    /// <summary>
    /// Turns on the ordering guard: per object, an event whose version is not newer than the last one
    /// handled is answered 200 without calling the handler.
    /// </summary>
    /// <typeparam name="TVersion">The version type, e.g. <see cref="DateTimeOffset"/> for <c>updatedAt</c>.</typeparam>
    /// <param name="objectId">Reads the object id from a delivery; null means the event is not ordered.</param>
    /// <param name="version">Reads the version from a delivery; null (for a reference type) means the event is not ordered. A selector
    /// that throws (e.g. a missing property) makes the request answer 400.</param>
    /// <param name="store">Where applied versions are kept; a new <see cref="InMemoryObjectVersionStore{TVersion}"/> when null.</param>
    /// <returns>These options, for chaining.</returns>
    public HeraldWebhookOptions UseOrdering<TVersion>(
        Func<WebhookContext, string?> objectId, Func<WebhookContext, TVersion?> version, IObjectVersionStore<TVersion>? store = null)
        where TVersion : notnull
    {
        ArgumentNullException.ThrowIfNull(objectId);
        ArgumentNullException.ThrowIfNull(version);
        Ordering = new WebhookOrdering<TVersion>(objectId, version, new OrderingGuard<TVersion>(store));
        return this;
    }
}
