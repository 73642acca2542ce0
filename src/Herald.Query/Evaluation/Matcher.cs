using System.Text.Json;

namespace Herald.Query.Evaluation;

/// <summary>
/// A compiled query node. Matchers are immutable, so one tree serves every thread, and
/// evaluation only walks the <see cref="JsonElement"/>: nothing is allocated per event.
/// </summary>
internal abstract class Matcher
{
    public abstract bool Matches(JsonElement envelope);
}

internal sealed class MatchAllMatcher : Matcher
{
    public static readonly MatchAllMatcher Instance = new();

    public override bool Matches(JsonElement envelope) => true;
}

internal sealed class AndMatcher(Matcher[] operands) : Matcher
{
    public override bool Matches(JsonElement envelope)
    {
        foreach (var operand in operands)
        {
            if (!operand.Matches(envelope))
            {
                return false;
            }
        }

        return true;
    }
}

internal sealed class OrMatcher(Matcher[] operands) : Matcher
{
    public override bool Matches(JsonElement envelope)
    {
        foreach (var operand in operands)
        {
            if (operand.Matches(envelope))
            {
                return true;
            }
        }

        return false;
    }
}

internal sealed class NotMatcher(Matcher operand) : Matcher
{
    public override bool Matches(JsonElement envelope) => !operand.Matches(envelope);
}

/// <summary>
/// <c>path = literal</c> and the ordering comparisons: true when any resolved value passes
/// <paramref name="test"/>. For <c>= null</c> a path that reaches nothing also matches.
/// </summary>
internal sealed class ComparisonMatcher(CompiledPath path, ValueTest test, bool missingMatches) : Matcher
{
    public override bool Matches(JsonElement envelope) =>
        path.AnyValue(envelope, test, out var reached) || (missingMatches && !reached);
}
