namespace Herald.Query.Ast;

internal enum LiteralKind
{
    String,
    Number,
    Boolean,
    Null,
    Regex,
}

/// <summary>
/// The right-hand side of a comparison. <see cref="Text"/> is the string value or the regex
/// pattern; <see cref="Number"/> and <see cref="Boolean"/> hold the other kinds' values.
/// </summary>
internal sealed record Literal(LiteralKind Kind, string Text, double Number, bool Boolean, bool IgnoreCase, int Column)
{
    public static Literal String(string value, int column) => new(LiteralKind.String, value, 0, false, false, column);

    public static Literal FromNumber(double value, string text, int column) => new(LiteralKind.Number, text, value, false, false, column);

    public static Literal FromBoolean(bool value, int column) => new(LiteralKind.Boolean, value ? "true" : "false", 0, value, false, column);

    public static Literal Null(int column) => new(LiteralKind.Null, "null", 0, false, false, column);

    public static Literal Regex(string pattern, bool ignoreCase, int column) => new(LiteralKind.Regex, pattern, 0, false, ignoreCase, column);

    /// <summary>How error messages name this kind: "strings do not support &gt;=".</summary>
    public string KindPhrase => Kind switch
    {
        LiteralKind.String => "strings do not",
        LiteralKind.Boolean => "booleans do not",
        LiteralKind.Null => "null does not",
        LiteralKind.Regex => "regular expressions do not",
        _ => "numbers do not",
    };
}
