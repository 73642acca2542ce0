using System.Text.Json;
using Herald.Query.Evaluation;

namespace Herald.Query;

/// <summary>
/// A validated query, compiled once and shared: <see cref="Matches"/> is thread-safe, never
/// throws and allocates nothing unless the query uses a regular expression on escaped text.
/// </summary>
public sealed class CompiledQuery
{
    private readonly Matcher _matcher;

    internal CompiledQuery(string text, Matcher matcher)
    {
        Text = text;
        _matcher = matcher;
    }

    /// <summary>The query as written.</summary>
    public string Text { get; }

    /// <summary>True when <paramref name="envelope"/> (the whole published event) satisfies the query.</summary>
    public bool Matches(JsonElement envelope) => _matcher.Matches(envelope);

    /// <inheritdoc />
    public override string ToString() => Text;
}
