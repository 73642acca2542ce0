using System.Text;
using System.Text.Json;
using Herald.Query.Ast;

namespace Herald.Query.Evaluation;

/// <summary>
/// Decides whether one resolved JSON value satisfies a comparison; never throws. The caller
/// passes the value's kind, which it has read already: each read is a lookup in the document.
/// </summary>
internal abstract class ValueTest
{
    public abstract bool Test(JsonElement value, JsonValueKind kind);
}

/// <summary><c>= "text"</c>: ordinal equality with a JSON string, compared in UTF-8 without decoding.</summary>
internal sealed class StringEqualsTest(string literal) : ValueTest
{
    private readonly byte[] _utf8 = Encoding.UTF8.GetBytes(literal);

    public override bool Test(JsonElement value, JsonValueKind kind) =>
        kind == JsonValueKind.String && value.ValueEquals(_utf8);
}

/// <summary><c>= true</c> / <c>= false</c>: only JSON booleans qualify, not the strings "true"/"false".</summary>
internal sealed class BooleanEqualsTest(bool literal) : ValueTest
{
    private readonly JsonValueKind _kind = literal ? JsonValueKind.True : JsonValueKind.False;

    public override bool Test(JsonElement value, JsonValueKind kind) => kind == _kind;
}

/// <summary><c>= null</c>: a JSON null (the missing case is handled by the comparison).</summary>
internal sealed class NullTest : ValueTest
{
    public static readonly NullTest Instance = new();

    public override bool Test(JsonElement value, JsonValueKind kind) => kind == JsonValueKind.Null;
}

/// <summary>Numeric comparison with JSON numbers and numeric strings ("3840", "25.000").</summary>
internal sealed class NumberTest(ComparisonOperator op, double literal) : ValueTest
{
    public override bool Test(JsonElement value, JsonValueKind kind)
    {
        if (!NumericValue.TryRead(value, kind, out var number))
        {
            return false;
        }

        return op switch
        {
            ComparisonOperator.Less => number < literal,
            ComparisonOperator.Greater => number > literal,
            ComparisonOperator.LessOrEqual => number <= literal,
            ComparisonOperator.GreaterOrEqual => number >= literal,
            _ => number == literal,
        };
    }
}
