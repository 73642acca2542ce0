using System.Text.Json;

namespace Herald.Query.Tests;

public sealed class QueryCompilerTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   \t\n ")]
    public void TryCompile_EmptyOrWhiteSpace_MatchesEverything(string? text)
    {
        Assert.True(QueryCompiler.TryCompile(text, out var query, out var error));
        Assert.Null(error);
        Assert.All(TestEvents.Every, e => Assert.True(query.Matches(e)));
    }

    [Fact]
    public void Matches_DefaultJsonElement_ReturnsFalseWithoutThrowing()
    {
        var query = QueryCompiler.Compile("operation=\"update\"");

        Assert.False(query.Matches(default));
        Assert.True(QueryCompiler.Compile("operation=null").Matches(default));
    }

    [Fact]
    public void Compile_InvalidQuery_ThrowsQueryParseExceptionWithError()
    {
        var ex = Assert.Throws<QueryParseException>(() => QueryCompiler.Compile("data.components.metadata.width>=\"1920\""));

        Assert.Equal(new QueryError("strings do not support >=", 31), ex.Error);
        Assert.Contains("column 31", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_Null_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => QueryCompiler.Compile(null!));
    }

    [Fact]
    public void Text_AfterCompile_IsTheQueryAsWritten()
    {
        const string Text = "  operation = \"update\" ";

        Assert.Equal(Text, QueryCompiler.Compile(Text).Text);
        Assert.Equal(Text, QueryCompiler.Compile(Text).ToString());
    }

    [Fact]
    public void TryCompile_ExactlyMaxLength_Compiles()
    {
        var text = "operation=\"" + new string('x', 4096 - 12) + "\"";
        Assert.Equal(4096, text.Length);

        Assert.True(QueryCompiler.TryCompile(text, out _, out var error), error?.ToString());
    }

    [Fact]
    public void TryCompile_LongerThanMaxLength_FailsAtColumn4097()
    {
        var text = "operation=\"" + new string('x', 4096 - 11) + "\"";

        Assert.False(QueryCompiler.TryCompile(text, out _, out var error));
        Assert.Equal(4097, error.Position);
        Assert.Contains("longer than 4096", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCompile_64NestedParentheses_Compiles()
    {
        var text = new string('(', 64) + "operation=\"update\"" + new string(')', 64);

        Assert.True(QueryCompiler.TryCompile(text, out var query, out var error), error?.ToString());
        Assert.True(query.Matches(TestEvents.Formats));
    }

    [Fact]
    public void TryCompile_65NestedParentheses_FailsAtThe65thParenthesis()
    {
        var text = new string('(', 65) + "operation=\"update\"" + new string(')', 65);

        Assert.False(QueryCompiler.TryCompile(text, out _, out var error));
        Assert.Equal(65, error.Position);
        Assert.Contains("deeper than 64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCompile_65NestedNots_FailsAtThe65thNot()
    {
        var text = string.Concat(Enumerable.Repeat("NOT ", 65)) + "operation=\"update\"";

        Assert.False(QueryCompiler.TryCompile(text, out _, out var error));
        Assert.Equal((64 * 4) + 1, error.Position);
    }

    [Fact]
    public void Matches_64Nots_EvaluatesEvenCount()
    {
        var text = string.Concat(Enumerable.Repeat("NOT ", 64)) + "operation=\"update\"";

        Assert.True(QueryCompiler.Compile(text).Matches(TestEvents.Formats));
    }

    [Fact]
    public void TryCompile_ThousandsOfOrOperands_CompilesFlat()
    {
        // Long chains are not nesting: 400 ORs stay within the depth limit.
        var text = string.Join(" OR ", Enumerable.Range(0, 400).Select(i => $"a={i}"));
        Assert.True(text.Length <= 4096);

        Assert.True(QueryCompiler.TryCompile(text, out var query, out var error), error?.ToString());
        Assert.False(query.Matches(TestEvents.Formats));
    }

    [Fact]
    public void Matches_NotEqual_IsExactNegationOfEqualOnEveryEvent()
    {
        string[] paths = ["operation", "user_id", "data.status", "data.tags", "data.empty", "data.items.size", "data.missing", "data.components.metadata.width", "data.mixed"];
        string[] literals = ["\"update\"", "\"news\"", "null", "true", "false", "3840", "10", "/a/", "/^$/i", "\"\""];
        foreach (var path in paths)
        {
            foreach (var literal in literals)
            {
                var equal = QueryCompiler.Compile($"{path}={literal}");
                var notEqual = QueryCompiler.Compile($"{path}!={literal}");
                foreach (var envelope in TestEvents.Every)
                {
                    Assert.NotEqual(equal.Matches(envelope), notEqual.Matches(envelope));
                }
            }
        }
    }

    [Fact]
    public void Matches_SharedInstanceAcrossThreads_GivesTheSameAnswers()
    {
        var queries = new[]
        {
            QueryCompiler.Compile("data.status=\"ACTIVE\" AND (data.components.metadata.format=\"AVC\" OR data.components.metadata.format=\"MPEG-4\")"),
            QueryCompiler.Compile("data.metadata.format=/MPEG-[2,4]/"),
            QueryCompiler.Compile("data.components.metadata.duration>10000"),
        };
        var formats = TestEvents.Formats;
        var metadata = TestEvents.Metadata;

        Parallel.For(0, 20_000, i =>
        {
            var query = queries[i % queries.Length];
            Assert.True(query.Matches(formats));
            Assert.False(query.Matches(metadata));
        });
    }

    [Fact]
    public void Matches_EscapedKeysAndValues_CompareDecodedText()
    {
        using var document = JsonDocument.Parse("""{"d\u0061ta":{"st\u0061tus":"\u0041CTIVE","n":"\u0033840"}}""");

        Assert.True(QueryCompiler.Compile("data.status=\"ACTIVE\"").Matches(document.RootElement));
        Assert.True(QueryCompiler.Compile("data.n=3840").Matches(document.RootElement));
        Assert.True(QueryCompiler.Compile("data.status=/^ACT/").Matches(document.RootElement));
    }

    [Fact]
    public void Matches_DeeplyNestedArrays_DoesNotOverflow()
    {
        var json = "{\"data\":" + new string('[', 60) + "\"x\"" + new string(']', 60) + "}";
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 100 });

        Assert.True(QueryCompiler.Compile("data.a=null").Matches(document.RootElement));
        Assert.False(QueryCompiler.Compile("data.a=\"x\"").Matches(document.RootElement));
    }
}
