using System.Text.Json;
using Herald.Core.Webhooks;
using Herald.Delivery.Webhooks;
using Herald.Query;

namespace Herald.Server;

/// <summary>The server's door to Herald.Query: validation for the API, compiled filters for matching.</summary>
internal sealed class QueryLanguage : IEventFilterCompiler
{
    public QueryError? Validate(string text) => QueryCompiler.TryCompile(text, out _, out var error) ? null : error;

    public bool TryCompile(string text, out CompiledQuery? query, out QueryError? error) =>
        QueryCompiler.TryCompile(text, out query, out error);

    public IEventFilter? Compile(string? query) =>
        string.IsNullOrWhiteSpace(query) ? null : new Filter(QueryCompiler.Compile(query));

    private sealed class Filter(CompiledQuery query) : IEventFilter
    {
        public bool Matches(JsonElement envelope) => query.Matches(envelope);
    }
}
