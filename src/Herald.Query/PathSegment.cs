namespace Herald.Query;

/// <summary>How a path segment was written, which decides how it walks arrays.</summary>
public enum PathSegmentKind
{
    /// <summary>A bare name (<c>status</c>): a key on objects, applied to every element of arrays.</summary>
    Name,

    /// <summary>Digits (<c>0</c>): an element of an array; on an object, the key with that text.</summary>
    Index,

    /// <summary>A back-quoted key (<c>`a.b`</c>): like a name, but may hold dots, spaces or keywords.</summary>
    Quoted,
}

/// <summary>One step of a dot path such as <c>data.components.0.`frame rate`</c>.</summary>
/// <param name="Kind">How the segment was written.</param>
/// <param name="Name">The key text; for an index segment, its digits.</param>
/// <param name="Index">The array index for <see cref="PathSegmentKind.Index"/> segments; -1 otherwise.</param>
public sealed record PathSegment(PathSegmentKind Kind, string Name, int Index)
{
    /// <summary>A bare name segment.</summary>
    public static PathSegment ForName(string name) => new(PathSegmentKind.Name, name, -1);

    /// <summary>A back-quoted key segment.</summary>
    public static PathSegment ForQuoted(string key) => new(PathSegmentKind.Quoted, key, -1);

    /// <summary>An array index segment.</summary>
    public static PathSegment ForIndex(int index) =>
        new(PathSegmentKind.Index, index.ToString(System.Globalization.CultureInfo.InvariantCulture), index);

    /// <summary>The segment as it would be written in a query.</summary>
    public override string ToString() => Kind == PathSegmentKind.Quoted ? $"`{Name}`" : Name;
}
