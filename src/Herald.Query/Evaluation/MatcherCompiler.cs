using System.Text.RegularExpressions;
using Herald.Query.Ast;

namespace Herald.Query.Evaluation;

/// <summary>Turns a validated AST into a <see cref="Matcher"/> tree, building each regex once.</summary>
internal static class MatcherCompiler
{
    /// <summary>
    /// Last guard after <see cref="RegexShape"/>: matching is linear in the text, but with a large
    /// automaton a 1 MiB string can still take seconds. Past this a test counts as no match. The
    /// engine checks it every 1,000 characters, so it bounds the usual case, not every case.
    /// </summary>
    internal static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Largest accepted pattern, in atoms with <c>{n}</c> counted n times (see <see cref="RegexShape"/>):
    /// room for a UUID or a long literal, small enough that a hostile pattern's automaton stays quick to build.
    /// </summary>
    internal const int MaxPatternSize = 128;

    public static Matcher Compile(QueryNode node) => node switch
    {
        MatchAllNode => MatchAllMatcher.Instance,
        AndNode and => new AndMatcher([.. and.Operands.Select(Compile)]),
        OrNode or => new OrMatcher([.. or.Operands.Select(Compile)]),
        NotNode not => new NotMatcher(Compile(not.Operand)),
        ComparisonNode comparison => CompileComparison(comparison),
        _ => throw new ArgumentOutOfRangeException(nameof(node), node.GetType().Name, "unknown query node"),
    };

    private static Matcher CompileComparison(ComparisonNode node)
    {
        var path = new CompiledPath(node.Path);
        var value = node.Value;
        ValueTest test = value.Kind switch
        {
            LiteralKind.String => new StringEqualsTest(value.Text),
            LiteralKind.Number => new NumberTest(node.Operator, value.Number),
            LiteralKind.Boolean => new BooleanEqualsTest(value.Boolean),
            LiteralKind.Null => NullTest.Instance,
            _ => new RegexTest(BuildRegex(value)),
        };

        // "!=" is exactly NOT "=", including the missing and empty-array cases.
        var missingMatches = value.Kind == LiteralKind.Null;
        Matcher equal = new ComparisonMatcher(path, test, missingMatches);
        return node.Operator == ComparisonOperator.NotEqual ? new NotMatcher(equal) : equal;
    }

    private static Regex BuildRegex(Literal literal)
    {
        var options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;
        if (literal.IgnoreCase)
        {
            options |= RegexOptions.IgnoreCase;
        }

        if (RegexShape.HasNestedQuantifier(literal.Text, out var size))
        {
            throw Invalid("regular expression nests quantifiers, as in (a+)+ or (a*b){5}; that can make matching slow, so it is not allowed", literal);
        }

        if (size > MaxPatternSize)
        {
            throw Invalid($"regular expression is too large: at most {MaxPatternSize} characters and classes, counting {{n}} repetitions n times", literal);
        }

        try
        {
            return new Regex(literal.Text, options, RegexTimeout);
        }
        catch (RegexParseException ex)
        {
            throw Invalid($"invalid regular expression: {Describe(ex.Error)} at offset {ex.Offset}", literal);
        }
        catch (NotSupportedException ex)
        {
            // Backreferences, lookarounds and atomic groups need backtracking; huge counted loops exceed the automaton limit.
            throw Invalid($"regular expression cannot run in linear time: {ex.Message}", literal);
        }
        catch (ArgumentException ex)
        {
            throw Invalid($"invalid regular expression: {ex.Message}", literal);
        }
    }

    private static string Describe(RegexParseError error)
    {
        // "InsufficientClosingParentheses" → "insufficient closing parentheses".
        var name = error.ToString();
        var words = new System.Text.StringBuilder(name.Length + 8);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && words.Length > 0)
            {
                words.Append(' ');
            }

            words.Append(char.ToLowerInvariant(c));
        }

        return words.ToString();
    }

    private static QueryParseException Invalid(string message, Literal literal) =>
        new(new QueryError(message, literal.Column));
}
