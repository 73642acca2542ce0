using System.Diagnostics.CodeAnalysis;
using Herald.Query.Evaluation;
using Herald.Query.Parsing;

namespace Herald.Query;

/// <summary>Validates and compiles Herald (iconik-compatible) webhook queries.</summary>
public static class QueryCompiler
{
    /// <summary>
    /// Compiles <paramref name="text"/>; on failure returns the message and 1-based column.
    /// Null, empty or white-space text compiles to a query that matches every event. Never throws.
    /// </summary>
    public static bool TryCompile(
        string? text,
        [NotNullWhen(true)] out CompiledQuery? query,
        [NotNullWhen(false)] out QueryError? error)
    {
        try
        {
            query = Compile(text ?? string.Empty);
            error = null;
            return true;
        }
        catch (QueryParseException ex)
        {
            query = null;
            error = ex.Error;
            return false;
        }
    }

    /// <summary>Compiles <paramref name="text"/> or throws <see cref="QueryParseException"/>.</summary>
    /// <exception cref="QueryParseException">The query is invalid.</exception>
    public static CompiledQuery Compile(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ast = QueryParser.Parse(text);
        return new CompiledQuery(text, MatcherCompiler.Compile(ast));
    }
}
