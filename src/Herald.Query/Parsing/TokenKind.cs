namespace Herald.Query.Parsing;

internal enum TokenKind
{
    End,
    Identifier,
    Index,
    Quoted,
    Dot,
    LeftParen,
    RightParen,
    Equal,
    NotEqual,
    Less,
    Greater,
    LessOrEqual,
    GreaterOrEqual,
    String,
    Number,
    Regex,
}
