namespace Herald.Storage;

/// <summary>One page of a list; <see cref="Next"/> is the cursor of the following page, or null at the end.</summary>
public sealed record Page<T>(IReadOnlyList<T> Objects, string? Next);

/// <summary>Paging input shared by every list.</summary>
public readonly record struct PageRequest(int Limit, string? Cursor)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;
}
