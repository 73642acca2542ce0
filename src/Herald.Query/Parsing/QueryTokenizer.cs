using System.Globalization;

namespace Herald.Query.Parsing;

/// <summary>
/// Splits query text into tokens. Digits are array indexes inside a path but numbers after an
/// operator (<c>a.0.b=0.5</c>), so the tokenizer remembers whether a value is expected next.
/// Tokens are read on demand so that the first problem in the text is the one reported.
/// </summary>
internal sealed partial class QueryTokenizer
{
    private readonly string _text;
    private int _pos;
    private bool _expectValue;

    public QueryTokenizer(string text) => _text = text;

    /// <summary>Reads the whole text; the last token is always <see cref="TokenKind.End"/>.</summary>
    public static List<Token> Tokenize(string text)
    {
        var tokenizer = new QueryTokenizer(text);
        var tokens = new List<Token>();
        while (true)
        {
            var token = tokenizer.Next();
            tokens.Add(token);
            if (token.Kind == TokenKind.End)
            {
                return tokens;
            }
        }
    }

    public Token Next()
    {
        var token = Read(_expectValue);
        _expectValue = token.IsOperator;
        return token;
    }

    private Token Read(bool expectValue)
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }

        if (_pos >= _text.Length)
        {
            return new Token(TokenKind.End, _text.Length, 0, string.Empty);
        }

        var start = _pos;
        var c = _text[_pos];
        switch (c)
        {
            case '.': return Single(TokenKind.Dot);
            case '(': return Single(TokenKind.LeftParen);
            case ')': return Single(TokenKind.RightParen);
            case '=': return Single(TokenKind.Equal);
            case '<': return Operator(TokenKind.Less, TokenKind.LessOrEqual);
            case '>': return Operator(TokenKind.Greater, TokenKind.GreaterOrEqual);
            case '!':
                if (Peek(1) == '=')
                {
                    _pos += 2;
                    return new Token(TokenKind.NotEqual, start, 2, "!=");
                }

                throw Error("unexpected character '!'; the not-equal operator is '!='", start);
            case '"': return ReadString();
            case '`': return ReadQuoted();
            case '/' when expectValue: return ReadRegex();
            case '-' when expectValue: return ReadNumber();
            default:
                break;
        }

        if (char.IsAsciiDigit(c))
        {
            return expectValue ? ReadNumber() : ReadIndex();
        }

        if (IsNameStart(c))
        {
            return ReadIdentifier();
        }

        throw Error($"unexpected character '{Describe(c)}'", start);
    }

    private Token Single(TokenKind kind)
    {
        _pos++;
        return new Token(kind, _pos - 1, 1, _text.Substring(_pos - 1, 1));
    }

    private Token Operator(TokenKind bare, TokenKind withEqual)
    {
        var start = _pos;
        if (Peek(1) == '=')
        {
            _pos += 2;
            return new Token(withEqual, start, 2, _text.Substring(start, 2));
        }

        _pos++;
        return new Token(bare, start, 1, _text.Substring(start, 1));
    }

    private Token ReadIdentifier()
    {
        var start = _pos;
        _pos++;
        while (_pos < _text.Length && IsNamePart(_text[_pos]))
        {
            _pos++;
        }

        return new Token(TokenKind.Identifier, start, _pos - start, _text[start.._pos]);
    }

    private Token ReadIndex()
    {
        var start = _pos;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
        {
            _pos++;
        }

        if (_pos < _text.Length && IsNamePart(_text[_pos]))
        {
            throw Error("a path segment must be a name, digits or a `quoted` key", start);
        }

        var digits = _text[start.._pos];
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            throw Error("array index is too large", start);
        }

        return new Token(TokenKind.Index, start, _pos - start, digits, index);
    }

    private char Peek(int offset) => _pos + offset < _text.Length ? _text[_pos + offset] : '\0';

    private static bool IsNameStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsNamePart(char c) => char.IsLetterOrDigit(c) || c is '_' or '-';

    private static string Describe(char c) =>
        char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString();

    private static QueryParseException Error(string message, int start) => new(new QueryError(message, start + 1));
}
