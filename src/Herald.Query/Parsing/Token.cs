namespace Herald.Query.Parsing;

/// <summary>A lexeme with its 0-based start; <see cref="Text"/> is the decoded value where one applies.</summary>
internal readonly record struct Token(TokenKind Kind, int Start, int Length, string Text, double Number = 0, bool IgnoreCase = false)
{
    /// <summary>The 1-based column reported to users.</summary>
    public int Column => Start + 1;

    public bool IsOperator => Kind is >= TokenKind.Equal and <= TokenKind.GreaterOrEqual;

    /// <summary>True for an identifier spelling <paramref name="keyword"/> in any case.</summary>
    public bool IsKeyword(string keyword) =>
        Kind == TokenKind.Identifier && Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);
}
