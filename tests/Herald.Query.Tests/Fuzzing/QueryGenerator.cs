using System.Globalization;
using System.Text;

namespace Herald.Query.Tests.Fuzzing;

/// <summary>Seeded generator of grammatical queries, mutations of them, and plain noise.</summary>
internal sealed class QueryGenerator(int seed)
{
    private const string Alphabet =
        "abcdeszAZ_-019 .()\"'`/\\=!<>*+?[]{}|^$&,:;#\t\nNOTANDORnulltruefalseé日\u0000\u200b";

    private static readonly string[] Names =
    [
        "data", "operation", "realm", "user_id", "object_id", "status", "components", "metadata", "format",
        "width", "duration", "tags", "items", "size", "empty", "nulls", "mixed", "matrix", "is_online",
        "deleted_by_user", "field_values", "value", "share", "metadata_values", "not", "and", "x",
    ];

    private static readonly string[] Regexes =
    [
        "/MPEG-[2,4]/", "/^A/i", "/a|b/", "/[0-9]+/", "/(x)(y)?/", "/\\d{2,4}/", "/./", "/^$/", "/\\//", "/a\\/b/i",
        "/(/", "/[a-/", "/(a)\\1/", "/(?=a)/", "/(a+)+/", "/a{1000}/",
    ];

    private readonly Random _random = new(seed);

    public string Next(IReadOnlyList<string> corpus)
    {
        return _random.Next(10) switch
        {
            < 4 => Query(0),
            < 8 => Mutate(_random.Next(3) == 0 ? Query(0) : corpus[_random.Next(corpus.Count)]),
            8 => Noise(_random.Next(0, 60)),
            _ => Extreme(),
        };
    }

    private string Query(int depth)
    {
        var roll = depth > 6 ? 10 : _random.Next(14);
        return roll switch
        {
            < 3 => $"{Query(depth + 1)} {Keyword("AND")} {Query(depth + 1)}",
            < 5 => $"{Query(depth + 1)} {Keyword("OR")} {Query(depth + 1)}",
            5 => $"{Keyword("NOT")} {Query(depth + 1)}",
            6 => $"({Query(depth + 1)})",
            _ => Comparison(),
        };
    }

    private string Comparison()
    {
        string[] operators = ["=", "!=", "<", ">", "<=", ">="];
        var op = operators[_random.Next(operators.Length)];
        var space = _random.Next(4) == 0 ? " " : string.Empty;
        return $"{Path()}{space}{op}{space}{Literal()}";
    }

    private string Path()
    {
        var count = _random.Next(1, 6);
        var segments = new string[count];
        for (var i = 0; i < count; i++)
        {
            segments[i] = _random.Next(8) switch
            {
                0 => _random.Next(4).ToString(CultureInfo.InvariantCulture),
                1 => $"`{Names[_random.Next(Names.Length)]}.{_random.Next(3)}`",
                _ => Names[_random.Next(Names.Length)],
            };
        }

        return string.Join('.', segments);
    }

    private string Literal()
    {
        return _random.Next(9) switch
        {
            0 => $"\"{Names[_random.Next(Names.Length)]}\"",
            1 => "\"ACTIVE\"",
            2 => (_random.NextDouble() * 100_000 - 50_000).ToString(_random.Next(2) == 0 ? "R" : "F0", CultureInfo.InvariantCulture),
            3 => _random.Next(2) == 0 ? "1e3" : "-0.5E-2",
            4 => Keyword("true"),
            5 => Keyword("false"),
            6 => Keyword("null"),
            7 => _random.Next(1000).ToString(CultureInfo.InvariantCulture),

            // Building a NonBacktracking regex costs far more than parsing; keep them a minority.
            _ => Regexes[_random.Next(Regexes.Length)],
        };
    }

    private string Keyword(string keyword)
    {
        var chars = keyword.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (_random.Next(4) == 0)
            {
                chars[i] = char.IsUpper(chars[i]) ? char.ToLowerInvariant(chars[i]) : char.ToUpperInvariant(chars[i]);
            }
        }

        return new string(chars);
    }

    private string Mutate(string text)
    {
        var builder = new StringBuilder(text);
        var mutations = _random.Next(1, 5);
        for (var m = 0; m < mutations; m++)
        {
            var at = builder.Length == 0 ? 0 : _random.Next(builder.Length);
            switch (_random.Next(6))
            {
                case 0 when builder.Length > 0:
                    builder.Remove(at, 1);
                    break;
                case 1:
                    builder.Insert(at, Alphabet[_random.Next(Alphabet.Length)]);
                    break;
                case 2 when builder.Length > 0:
                    builder[at] = Alphabet[_random.Next(Alphabet.Length)];
                    break;
                case 3 when builder.Length > 0:
                    var length = _random.Next(1, Math.Min(12, builder.Length - at) + 1);
                    builder.Insert(at, builder.ToString(at, length));
                    break;
                case 4:
                    builder.Length = at;
                    break;
                default:
                    builder.Insert(at, _random.Next(3) switch { 0 => " AND ", 1 => " OR ", _ => "(" });
                    break;
            }
        }

        return builder.ToString();
    }

    private string Noise(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = _random.Next(20) == 0 ? (char)_random.Next(0, 0x3000) : Alphabet[_random.Next(Alphabet.Length)];
        }

        return new string(chars);
    }

    /// <summary>Inputs at and just past the limits: deep nesting, long text, long chains.</summary>
    private string Extreme()
    {
        return _random.Next(5) switch
        {
            0 => new string('(', _random.Next(60, 70)) + "a=1" + new string(')', _random.Next(60, 70)),
            1 => string.Concat(Enumerable.Repeat("NOT ", _random.Next(60, 70))) + "a=1",
            2 => "a=\"" + new string('x', _random.Next(4080, 4100)) + "\"",
            3 => string.Join(" OR ", Enumerable.Repeat("data.status=\"ACTIVE\"", _random.Next(150, 200))),
            _ => "data." + string.Join('.', Enumerable.Repeat("components", _random.Next(300, 400))) + "=null",
        };
    }
}
