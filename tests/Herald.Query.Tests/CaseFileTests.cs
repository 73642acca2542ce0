using System.Globalization;

namespace Herald.Query.Tests;

/// <summary>
/// Runs Cases/queries.txt: one <c>query ⇶ event ⇶ expected</c> per line, serilog-expressions
/// style, so the language's behaviour reads as a table rather than as code.
/// </summary>
public sealed class CaseFileTests
{
    private const string Separator = " ⇶ ";

    public static TheoryData<int, string, string, string> Cases()
    {
        var data = new TheoryData<int, string, string, string>();
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Cases", "queries.txt"));
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            // The query keeps its exact text (columns count leading spaces); the rest is trimmed.
            var first = line.IndexOf(Separator, StringComparison.Ordinal);
            var second = line.IndexOf(Separator, first + Separator.Length, StringComparison.Ordinal);
            if (first < 0 || second < 0)
            {
                throw new FormatException($"queries.txt line {i + 1} is not 'query ⇶ event ⇶ expected'");
            }

            var query = line[..first];
            var eventName = line[(first + Separator.Length)..second].Trim();
            var expected = line[(second + Separator.Length)..].Trim();
            data.Add(i + 1, query, eventName, expected);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluate_CaseFileLine_MatchesExpectation(int line, string query, string eventName, string expected)
    {
        var compiled = QueryCompiler.TryCompile(query, out var compiledQuery, out var error);

        if (expected.StartsWith("error@", StringComparison.Ordinal))
        {
            var (column, fragment) = ParseExpectedError(expected);
            Assert.False(compiled, $"line {line}: expected an error but the query compiled");
            Assert.Equal(column, error!.Position);
            if (fragment is not null)
            {
                Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
            }

            return;
        }

        Assert.True(compiled, $"line {line}: {error}");
        var expectedMatch = bool.Parse(expected);
        Assert.Equal(expectedMatch, compiledQuery!.Matches(TestEvents.Get(eventName)));
    }

    [Fact]
    public void Cases_File_HasAtLeast150Cases()
    {
        Assert.True(Cases().Count() >= 150);
    }

    private static (int Column, string? Fragment) ParseExpectedError(string expected)
    {
        var rest = expected["error@".Length..];
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        var column = int.Parse(colon < 0 ? rest : rest[..colon], CultureInfo.InvariantCulture);
        return (column, colon < 0 ? null : rest[(colon + 1)..].Trim());
    }
}
