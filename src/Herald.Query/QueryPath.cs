using System.Diagnostics.CodeAnalysis;
using Herald.Query.Parsing;

namespace Herald.Query;

/// <summary>Parses a dot path on its own (<c>data.components.0.`frame rate`</c>), e.g. for payload field selection.</summary>
public static class QueryPath
{
    /// <summary>Parses <paramref name="text"/> with the query language's path syntax. Never throws.</summary>
    public static bool TryParse(
        string text,
        [NotNullWhen(true)] out IReadOnlyList<PathSegment>? segments,
        [NotNullWhen(false)] out QueryError? error)
    {
        try
        {
            segments = QueryParser.ParsePath(text ?? string.Empty);
            error = null;
            return true;
        }
        catch (QueryParseException ex)
        {
            segments = null;
            error = ex.Error;
            return false;
        }
    }
}
