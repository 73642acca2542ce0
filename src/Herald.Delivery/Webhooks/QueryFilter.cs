using System.Text.Json;
using Herald.Core.Webhooks;
using Herald.Query;

namespace Herald.Delivery.Webhooks;

/// <summary>A webhook's compiled query as the index's filter: Herald.Query plugs into Core's matching here, and only here.</summary>
internal sealed class QueryFilter(CompiledQuery query) : IEventFilter
{
    public bool Matches(JsonElement envelope) => query.Matches(envelope);

    /// <summary>The filter of <paramref name="text"/>; null when there is no query. Throws when it is invalid (the API validates before storing).</summary>
    public static IEventFilter? For(string? text) => string.IsNullOrWhiteSpace(text) ? null : new QueryFilter(QueryCompiler.Compile(text));
}
