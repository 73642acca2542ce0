namespace Herald.Receiver;

/// <summary>
/// Processes one delivery mapped by <see cref="HeraldWebhookEndpointRouteBuilderExtensions.MapHeraldWebhook(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, string, WebhookHandler)"/>.
/// Returning normally answers 200 and marks the delivery processed; throwing answers 500 and leaves it
/// unmarked, so that the sender's retry is processed.
/// </summary>
/// <param name="context">The delivery.</param>
/// <param name="cancellationToken">Signals that the sender closed the request.</param>
public delegate Task WebhookHandler(WebhookContext context, CancellationToken cancellationToken);
