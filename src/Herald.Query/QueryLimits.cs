namespace Herald.Query;

/// <summary>Bounds that keep parsing and evaluation cheap whatever a user submits.</summary>
internal static class QueryLimits
{
    /// <summary>Longest accepted query or path, in characters.</summary>
    public const int MaxLength = 4096;

    /// <summary>Deepest accepted nesting of parentheses and NOTs.</summary>
    public const int MaxDepth = 64;
}
