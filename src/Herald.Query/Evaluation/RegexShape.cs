using System.Globalization;

namespace Herald.Query.Evaluation;

/// <summary>
/// Measures the shapes that make .NET's NonBacktracking engine slow despite its linear-time
/// guarantee: nested quantifiers such as <c>(a+)+</c> or <c>([ab]*a){20}</c>, and large counted
/// repetitions such as <c>[ab]*a[ab]{200}</c>. Their automata grow so large that building them
/// once can take seconds to minutes and slips past the engine's timeout checks (measured on
/// .NET 10 with 64 KiB–1 MiB inputs), so the query language rejects them at validation.
/// </summary>
internal static class RegexShape
{
    /// <summary>
    /// Scans <paramref name="pattern"/>. <paramref name="size"/> estimates the automaton's size:
    /// one per atom, with counted repetitions (<c>{n}</c>, <c>{n,m}</c>) multiplying their operand.
    /// The result is true when a repeating quantifier applies to a group that already contains one.
    /// </summary>
    public static bool HasNestedQuantifier(string pattern, out long size)
    {
        // One frame per open group, the root included.
        var groups = new Stack<Frame>();
        groups.Push(default);
        var last = Atom.None;
        long lastSize = 0;
        var i = 0;
        while (i < pattern.Length)
        {
            switch (pattern[i])
            {
                case '\\':
                    i += EscapeLength(pattern, i);
                    (last, lastSize) = Add(groups, 1);
                    break;
                case '[':
                    i = SkipClass(pattern, i);
                    (last, lastSize) = Add(groups, 1);
                    break;
                case '(':
                    i = SkipGroupPrefix(pattern, i + 1, out var isInlineOptions);
                    if (!isInlineOptions)
                    {
                        groups.Push(default);
                    }

                    last = Atom.None;
                    break;
                case ')':
                    i++;
                    if (groups.Count > 1)
                    {
                        var inner = groups.Pop();
                        var parent = groups.Pop();
                        groups.Push(new Frame(parent.HasQuantifier || inner.HasQuantifier, parent.Size + inner.Size));
                        last = inner.HasQuantifier ? Atom.GroupWithQuantifier : Atom.Simple;
                        lastSize = inner.Size;
                    }

                    break;
                case '|':
                    i++;
                    last = Atom.None;
                    break;
                case '*' or '+' or '?' or '{':
                    // "*" and "+" loop without growing the automaton; "{n}" copies its operand n times.
                    var counted = pattern[i] == '{';
                    long bound = pattern[i] == '?' ? 1 : 2;
                    if (counted && !TryReadBraces(pattern, ref i, out bound))
                    {
                        i++;
                        (last, lastSize) = Add(groups, 1);
                        break;
                    }

                    i++; // past the quantifier (TryReadBraces stops on its '}')
                    if (i < pattern.Length && pattern[i] == '?')
                    {
                        i++; // lazy
                    }

                    if (last == Atom.None)
                    {
                        break; // the engine reports the dangling quantifier
                    }

                    if (bound > 1 && last == Atom.GroupWithQuantifier)
                    {
                        size = long.MaxValue;
                        return true;
                    }

                    var frame = groups.Pop();
                    var copies = counted ? Math.Min(lastSize * (Math.Max(bound, 1) - 1), int.MaxValue) : 0;
                    groups.Push(new Frame(true, Math.Min(frame.Size + copies, int.MaxValue)));
                    last = Atom.None;
                    break;
                default:
                    i++;
                    (last, lastSize) = Add(groups, 1);
                    break;
            }
        }

        while (groups.Count > 1)
        {
            var inner = groups.Pop();
            var parent = groups.Pop();
            groups.Push(new Frame(parent.HasQuantifier, parent.Size + inner.Size));
        }

        size = groups.Pop().Size;
        return false;
    }

    private static (Atom, long) Add(Stack<Frame> groups, long atomSize)
    {
        var frame = groups.Pop();
        groups.Push(frame with { Size = frame.Size + atomSize });
        return (Atom.Simple, atomSize);
    }

    /// <summary>
    /// Reads <c>{n}</c>, <c>{n,}</c> or <c>{n,m}</c>, leaving <paramref name="i"/> on the '}';
    /// false when the brace is a literal. <paramref name="bound"/> is m, or n + 1 when unbounded.
    /// </summary>
    private static bool TryReadBraces(string pattern, ref int i, out long bound)
    {
        bound = 0;
        var j = i + 1;
        var minStart = j;
        while (j < pattern.Length && char.IsAsciiDigit(pattern[j]))
        {
            j++;
        }

        if (j == minStart || j >= pattern.Length)
        {
            return false;
        }

        var min = Parse(pattern[minStart..j]);
        var max = min;
        if (pattern[j] == ',')
        {
            j++;
            var maxStart = j;
            while (j < pattern.Length && char.IsAsciiDigit(pattern[j]))
            {
                j++;
            }

            max = j == maxStart ? min + 1 : Parse(pattern[maxStart..j]);
        }

        if (j >= pattern.Length || pattern[j] != '}')
        {
            return false;
        }

        bound = max;
        i = j;
        return true;

        static long Parse(string digits) =>
            long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : int.MaxValue;
    }

    private static int EscapeLength(string pattern, int i)
    {
        if (i + 1 >= pattern.Length)
        {
            return 1;
        }

        var next = pattern[i + 1];
        if (next is 'p' or 'P' or 'k' && i + 2 < pattern.Length && pattern[i + 2] is '{' or '<' or '\'')
        {
            var close = pattern.IndexOfAny(['}', '>', '\''], i + 3);
            return close < 0 ? pattern.Length - i : close - i + 1;
        }

        return 2;
    }

    private static int SkipClass(string pattern, int i)
    {
        var depth = 0;
        var j = i + 1;
        if (j < pattern.Length && pattern[j] == '^')
        {
            j++;
        }

        if (j < pattern.Length && pattern[j] == ']')
        {
            j++; // a leading ']' is literal
        }

        while (j < pattern.Length)
        {
            var c = pattern[j];
            if (c == '\\')
            {
                j += EscapeLength(pattern, j);
                continue;
            }

            if (c == '[')
            {
                depth++; // character class subtraction: [a-z-[aeiou]]
            }
            else if (c == ']')
            {
                if (depth == 0)
                {
                    return j + 1;
                }

                depth--;
            }

            j++;
        }

        return j;
    }

    /// <summary>Skips "?:", "?&lt;name&gt;", "?=", "?i" and friends after '('.</summary>
    private static int SkipGroupPrefix(string pattern, int i, out bool isInlineOptions)
    {
        isInlineOptions = false;
        if (i >= pattern.Length || pattern[i] != '?')
        {
            return i;
        }

        var j = i + 1;
        if (j >= pattern.Length)
        {
            return j;
        }

        switch (pattern[j])
        {
            case ':' or '=' or '!' or '>':
                return j + 1;
            case '<' when j + 1 < pattern.Length && pattern[j + 1] is '=' or '!':
                return j + 2;
            case '<' or '\'':
                var close = pattern.IndexOfAny(['>', '\''], j + 1);
                return close < 0 ? pattern.Length : close + 1;
            case '#':
                // A comment: "(?#...)" contains no atoms.
                var end = pattern.IndexOf(')', j);
                isInlineOptions = true;
                return end < 0 ? pattern.Length : end + 1;
            default:
                while (j < pattern.Length && (char.IsAsciiLetter(pattern[j]) || pattern[j] == '-'))
                {
                    j++;
                }

                // "(?i)" only sets options; "(?i:...)" opens a group.
                if (j < pattern.Length && pattern[j] == ')')
                {
                    isInlineOptions = true;
                    return j + 1;
                }

                return j < pattern.Length ? j + 1 : j;
        }
    }

    private readonly record struct Frame(bool HasQuantifier, long Size);

    private enum Atom
    {
        None,
        Simple,
        GroupWithQuantifier,
    }
}
