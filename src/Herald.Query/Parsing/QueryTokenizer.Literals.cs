using System.Globalization;
using System.Text;

namespace Herald.Query.Parsing;

/// <summary>Readers for the delimited and numeric tokens: strings, quoted keys, regexes, numbers.</summary>
internal sealed partial class QueryTokenizer
{
    private Token ReadNumber()
    {
        var start = _pos;
        if (Peek(0) == '-')
        {
            _pos++;
        }

        if (!SkipDigits())
        {
            throw Error("invalid number: expected digits", start);
        }

        if (Peek(0) == '.')
        {
            _pos++;
            if (!SkipDigits())
            {
                throw Error("invalid number: expected digits after '.'", start);
            }
        }

        if (Peek(0) is 'e' or 'E')
        {
            _pos++;
            if (Peek(0) is '+' or '-')
            {
                _pos++;
            }

            if (!SkipDigits())
            {
                throw Error("invalid number: expected digits in the exponent", start);
            }
        }

        // "1abc" or "1.2.3" is one mistyped value, not a number followed by a path.
        if (_pos < _text.Length && (IsNamePart(_text[_pos]) || _text[_pos] == '.'))
        {
            throw Error("invalid number", start);
        }

        var text = _text[start.._pos];
        var value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!double.IsFinite(value))
        {
            throw Error("number is out of range", start);
        }

        return new Token(TokenKind.Number, start, _pos - start, text, value);
    }

    private Token ReadString()
    {
        var start = _pos;
        _pos++;
        var value = new StringBuilder();
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == '"')
            {
                _pos++;
                return new Token(TokenKind.String, start, _pos - start, value.ToString());
            }

            if (c == '\\')
            {
                var next = Peek(1);
                if (next is not ('"' or '\\'))
                {
                    throw Error("invalid escape in string: only \\\" and \\\\ are allowed", _pos);
                }

                value.Append(next);
                _pos += 2;
                continue;
            }

            value.Append(c);
            _pos++;
        }

        throw Error("unterminated string", start);
    }

    private Token ReadQuoted()
    {
        var start = _pos;
        var close = _text.IndexOf('`', start + 1);
        if (close < 0)
        {
            throw Error("unterminated `quoted` key", start);
        }

        _pos = close + 1;
        return new Token(TokenKind.Quoted, start, _pos - start, _text[(start + 1)..close]);
    }

    private Token ReadRegex()
    {
        var start = _pos;
        _pos++;
        var pattern = new StringBuilder();
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == '/')
            {
                _pos++;
                var ignoreCase = Peek(0) == 'i';
                if (ignoreCase)
                {
                    _pos++;
                }

                if (_pos < _text.Length && IsNamePart(_text[_pos]))
                {
                    throw Error($"unknown regular expression flag '{_text[_pos]}'; only 'i' is supported", _pos);
                }

                return new Token(TokenKind.Regex, start, _pos - start, pattern.ToString(), IgnoreCase: ignoreCase);
            }

            if (c == '\\' && _pos + 1 < _text.Length)
            {
                // "\/" is a slash; any other escape is kept whole for the regex engine ("\d", "\\").
                var next = _text[_pos + 1];
                if (next != '/')
                {
                    pattern.Append(c);
                }

                pattern.Append(next);
                _pos += 2;
                continue;
            }

            pattern.Append(c);
            _pos++;
        }

        throw Error("unterminated regular expression", start);
    }

    private bool SkipDigits()
    {
        var start = _pos;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
        {
            _pos++;
        }

        return _pos > start;
    }
}
