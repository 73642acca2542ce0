namespace Herald.Query;

/// <summary>Thrown by <see cref="QueryCompiler.Compile"/> when a query is invalid.</summary>
public sealed class QueryParseException : Exception
{
    /// <summary>Creates the exception for <paramref name="error"/>.</summary>
    public QueryParseException(QueryError error)
        : base((error ?? throw new ArgumentNullException(nameof(error))).ToString())
    {
        Error = error;
    }

    /// <summary>The message and 1-based column of the problem.</summary>
    public QueryError Error { get; }
}
