using Herald.Query.Ast;

namespace Herald.Query.Parsing;

/// <summary>
/// Recursive-descent parser for the grammar in QUERY.md: OR of ANDs of (NOT) primaries.
/// Keywords are identifiers recognised by position, so <c>data.not</c> is still a path.
/// Errors are thrown as <see cref="QueryParseException"/> and caught by <see cref="QueryCompiler"/>.
/// </summary>
internal sealed class QueryParser
{
    private readonly string _source;
    private readonly QueryTokenizer _tokenizer;
    private Token _current;
    private int _depth;

    private QueryParser(string source)
    {
        _source = source;
        _tokenizer = new QueryTokenizer(source);
        _current = _tokenizer.Next();
    }

    private Token Current => _current;

    public static QueryNode Parse(string text)
    {
        CheckLength(text, "query");
        var parser = new QueryParser(text);
        if (parser.Current.Kind == TokenKind.End)
        {
            return new MatchAllNode();
        }

        var node = parser.ParseOr();
        parser.ExpectEnd();
        return node;
    }

    public static IReadOnlyList<PathSegment> ParsePath(string text)
    {
        CheckLength(text, "path");
        var parser = new QueryParser(text);
        var segments = parser.ParsePathSegments();
        if (parser.Current.Kind != TokenKind.End)
        {
            throw Error($"unexpected {parser.Describe(parser.Current)} after the path", parser.Current.Column);
        }

        return segments;
    }

    private QueryNode ParseOr()
    {
        var first = ParseAnd();
        if (!Current.IsKeyword("OR"))
        {
            return first;
        }

        var operands = new List<QueryNode> { first };
        while (Current.IsKeyword("OR"))
        {
            Advance();
            operands.Add(ParseAnd());
        }

        return new OrNode(operands);
    }

    private QueryNode ParseAnd()
    {
        var first = ParseNot();
        if (!Current.IsKeyword("AND"))
        {
            return first;
        }

        var operands = new List<QueryNode> { first };
        while (Current.IsKeyword("AND"))
        {
            Advance();
            operands.Add(ParseNot());
        }

        return new AndNode(operands);
    }

    private QueryNode ParseNot()
    {
        if (!Current.IsKeyword("NOT"))
        {
            return ParsePrimary();
        }

        Enter(Advance());
        var operand = ParseNot();
        _depth--;
        return new NotNode(operand);
    }

    private QueryNode ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.LeftParen:
                Advance();
                Enter(token);
                if (Current.Kind == TokenKind.RightParen)
                {
                    throw Error("empty parentheses: expected a comparison", Current.Column);
                }

                var inner = ParseOr();
                if (Current.Kind == TokenKind.End)
                {
                    throw Error("unbalanced parentheses: '(' is never closed", token.Column);
                }

                if (Current.Kind != TokenKind.RightParen)
                {
                    throw UnexpectedAfterComparison(Current);
                }

                Advance();
                _depth--;
                return inner;
            case TokenKind.Identifier when token.IsKeyword("AND") || token.IsKeyword("OR"):
                throw Error($"expected a comparison before {token.Text.ToUpperInvariant()}", token.Column);
            case TokenKind.Identifier or TokenKind.Index or TokenKind.Quoted:
                return ParseComparison();
            case TokenKind.String:
                throw Error("expected a field path, not a string; quote keys with back quotes (`key`)", token.Column);
            case TokenKind.End:
                throw Error("expected a comparison at the end of the query", token.Column);
            case TokenKind.RightParen:
                throw Error("expected a comparison before ')'", token.Column);
            default:
                if (token.IsOperator)
                {
                    throw Error($"missing field path before '{token.Text}'", token.Column);
                }

                throw Error($"expected a comparison but found {Describe(token)}", token.Column);
        }
    }

    private ComparisonNode ParseComparison()
    {
        var path = ParsePathSegments();
        var op = Current;
        if (!op.IsOperator)
        {
            throw op.Kind == TokenKind.End
                ? Error("missing operator after the path (=, !=, <, >, <=, >=)", op.Column)
                : Error($"expected an operator (=, !=, <, >, <=, >=) but found {Describe(op)}", op.Column);
        }

        Advance();
        var value = ParseLiteral(op);
        var comparison = ToOperator(op.Kind);
        if (comparison.IsOrdering() && value.Kind != LiteralKind.Number)
        {
            throw Error($"{value.KindPhrase} support {op.Text}", op.Column);
        }

        return new ComparisonNode(path, comparison, value, op.Column);
    }

    private Literal ParseLiteral(Token op)
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.String:
                Advance();
                return Literal.String(token.Text, token.Column);
            case TokenKind.Number:
                Advance();
                return Literal.FromNumber(token.Number, token.Text, token.Column);
            case TokenKind.Regex:
                Advance();
                return Literal.Regex(token.Text, token.IgnoreCase, token.Column);
            case TokenKind.Identifier when token.IsKeyword("true") || token.IsKeyword("false"):
                Advance();
                return Literal.FromBoolean(token.IsKeyword("true"), token.Column);
            case TokenKind.Identifier when token.IsKeyword("null"):
                Advance();
                return Literal.Null(token.Column);
            case TokenKind.Identifier when !(token.IsKeyword("AND") || token.IsKeyword("OR") || token.IsKeyword("NOT")):
                throw Error($"expected a value but found '{token.Text}'; quote strings with double quotes", token.Column);
            case TokenKind.End or TokenKind.RightParen or TokenKind.Identifier:
                throw Error($"missing value after '{op.Text}'", token.Column);
            default:
                throw Error($"expected a value after '{op.Text}' but found {Describe(token)}", token.Column);
        }
    }

    private List<PathSegment> ParsePathSegments()
    {
        var segments = new List<PathSegment>();
        while (true)
        {
            var token = Current;
            segments.Add(token.Kind switch
            {
                TokenKind.Identifier => PathSegment.ForName(token.Text),
                TokenKind.Quoted => PathSegment.ForQuoted(token.Text),
                TokenKind.Index => new PathSegment(PathSegmentKind.Index, token.Text, (int)token.Number),
                _ => throw Error(
                    segments.Count == 0 ? "expected a field path" : $"expected a field name after '.' but found {Describe(token)}",
                    token.Column),
            });
            Advance();
            if (Current.Kind != TokenKind.Dot)
            {
                return segments;
            }

            Advance();
        }
    }

    private void ExpectEnd()
    {
        var token = Current;
        if (token.Kind == TokenKind.End)
        {
            return;
        }

        if (token.Kind == TokenKind.RightParen)
        {
            throw Error("unbalanced parentheses: ')' has no matching '('", token.Column);
        }

        throw UnexpectedAfterComparison(token);
    }

    private QueryParseException UnexpectedAfterComparison(Token token)
    {
        var startsComparison = token.Kind is TokenKind.Identifier or TokenKind.Index or TokenKind.Quoted or TokenKind.LeftParen;
        if (startsComparison)
        {
            return Error("expected AND or OR between comparisons", token.Column);
        }

        var expected = _depth > 0 ? "AND, OR or ')'" : "AND, OR or the end of the query";
        return Error($"unexpected {Describe(token)}; expected {expected}", token.Column);
    }

    private Token Advance()
    {
        var token = _current;
        if (token.Kind != TokenKind.End)
        {
            _current = _tokenizer.Next();
        }

        return token;
    }

    private void Enter(Token token)
    {
        if (++_depth > QueryLimits.MaxDepth)
        {
            throw Error($"query is nested deeper than {QueryLimits.MaxDepth} levels", token.Column);
        }
    }

    private string Describe(Token token)
    {
        if (token.Kind == TokenKind.End)
        {
            return "the end of the query";
        }

        const int MaxShown = 24;
        var raw = _source.Substring(token.Start, Math.Min(token.Length, MaxShown));
        var kind = token.Kind switch
        {
            TokenKind.String => "string ",
            TokenKind.Number => "number ",
            TokenKind.Regex => "regular expression ",
            _ => string.Empty,
        };
        return $"{kind}'{raw}{(token.Length > MaxShown ? "…" : string.Empty)}'";
    }

    private static ComparisonOperator ToOperator(TokenKind kind) => kind switch
    {
        TokenKind.Equal => ComparisonOperator.Equal,
        TokenKind.NotEqual => ComparisonOperator.NotEqual,
        TokenKind.Less => ComparisonOperator.Less,
        TokenKind.Greater => ComparisonOperator.Greater,
        TokenKind.LessOrEqual => ComparisonOperator.LessOrEqual,
        _ => ComparisonOperator.GreaterOrEqual,
    };

    private static void CheckLength(string text, string what)
    {
        if (text.Length > QueryLimits.MaxLength)
        {
            throw Error($"{what} is longer than {QueryLimits.MaxLength} characters", QueryLimits.MaxLength + 1);
        }
    }

    private static QueryParseException Error(string message, int column) => new(new QueryError(message, column));
}
