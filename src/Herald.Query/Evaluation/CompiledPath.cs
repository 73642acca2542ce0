using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Herald.Query.Evaluation;

/// <summary>
/// A dot path ready for walking: names are pre-encoded as UTF-8 so property lookups do not
/// transcode. Arrays fan out (a name applies to every element) and the final array's elements
/// are the compared values, as QUERY.md "Resolving a path" says.
/// </summary>
internal sealed class CompiledPath
{
    private readonly Step[] _steps;

    public CompiledPath(IReadOnlyList<PathSegment> segments)
    {
        _steps = new Step[segments.Count];
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            _steps[i] = new Step(Encoding.UTF8.GetBytes(segment.Name), segment.Kind == PathSegmentKind.Index ? segment.Index : -1);
        }
    }

    /// <summary>
    /// True when a value at the end of the path passes <paramref name="test"/>.
    /// <paramref name="reached"/> tells whether the path reached any value at all (an empty
    /// array counts as reached), which <c>= null</c> needs for its "missing" case.
    /// </summary>
    public bool AnyValue(JsonElement envelope, ValueTest test, out bool reached)
    {
        reached = false;
        return Walk(envelope, 0, test, ref reached);
    }

    private bool Walk(JsonElement current, int stepIndex, ValueTest test, ref bool reached)
    {
        // Objects and indexes descend in a loop; only an array fan-out needs recursion.
        while (stepIndex < _steps.Length)
        {
            var step = _steps[stepIndex];
            switch (current.ValueKind)
            {
                case JsonValueKind.Object:
                    if (!current.TryGetProperty(step.Utf8Name, out var child))
                    {
                        return false;
                    }

                    current = child;
                    stepIndex++;
                    continue;
                case JsonValueKind.Array when step.Index >= 0:
                    if (step.Index >= current.GetArrayLength())
                    {
                        return false;
                    }

                    current = current[step.Index];
                    stepIndex++;
                    continue;
                case JsonValueKind.Array:
                    return FanOut(current, stepIndex, test, ref reached);
                default:
                    return false;
            }
        }

        return TestEnd(current, test, ref reached);
    }

    /// <summary>Applies the step at <paramref name="stepIndex"/> to every element of <paramref name="array"/>.</summary>
    private bool FanOut(JsonElement array, int stepIndex, ValueTest test, ref bool reached)
    {
        // Arrays of arrays nest as deep as the document does; stop rather than overflow.
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            return false;
        }

        foreach (var element in array.EnumerateArray())
        {
            if (Walk(element, stepIndex, test, ref reached))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TestEnd(JsonElement value, ValueTest test, ref bool reached)
    {
        reached = true;
        var kind = value.ValueKind;
        if (kind != JsonValueKind.Array)
        {
            return test.Test(value, kind);
        }

        foreach (var element in value.EnumerateArray())
        {
            if (test.Test(element, element.ValueKind))
            {
                return true;
            }
        }

        return false;
    }

    private readonly record struct Step(byte[] Utf8Name, int Index);
}
