using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Herald.Query.Tests.Evaluation;

public sealed class RegexSafetyTests
{
    private const int OneMebibyte = 1 << 20;

    private static readonly Lazy<JsonDocument> AllA = new(() => Document(new string('a', OneMebibyte) + "!"));

    private static readonly Lazy<JsonDocument> RandomAb = new(() =>
    {
        var random = new Random(7);
        var body = new StringBuilder(OneMebibyte);
        while (body.Length < OneMebibyte)
        {
            body.Append(random.Next(2) == 0 ? 'a' : 'b');
        }

        return Document(body.ToString());
    });

    // Classic catastrophic-backtracking shapes that stay legal once nested quantifiers are banned.
    [Theory]
    [InlineData("(a|aa)*c")]
    [InlineData("^(a|ab)*$")]
    [InlineData("a*a*a*a*a*a*a*b")]
    [InlineData(".*.*.*=.*")]
    [InlineData("[ab]*a[ab]{100}c")]
    [InlineData(".*a.{100}b")]
    public void Matches_HostilePatternOnOneMebibyteString_FinishesQuickly(string pattern)
    {
        var query = QueryCompiler.Compile($"data.body=/{pattern}/");

        foreach (var document in new[] { AllA.Value, RandomAb.Value })
        {
            for (var i = 0; i < 3; i++)
            {
                var watch = Stopwatch.StartNew();
                query.Matches(document.RootElement);
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"{pattern} took {watch.Elapsed}");
            }
        }
    }

    [Fact]
    public void Matches_RegexOnOneMebibyteMixedString_FindsMatchAtTheEnd()
    {
        var body = new StringBuilder(OneMebibyte + 8);
        var random = new Random(7);
        while (body.Length < OneMebibyte)
        {
            body.Append((char)('a' + random.Next(26)));
        }

        body.Append("NEEDLE");
        var query = QueryCompiler.Compile("data.body=/needle$/i");
        using var document = Document(body.ToString());

        Assert.True(query.Matches(document.RootElement));
    }

    [Fact]
    public void Matches_RegexOnEscapedString_SearchesTheDecodedText()
    {
        var query = QueryCompiler.Compile("data.body=/tab\there/");
        using var document = JsonDocument.Parse("""{"data":{"body":"a tab\there"}}""");

        Assert.True(query.Matches(document.RootElement));
    }

    private static JsonDocument Document(string body) =>
        JsonDocument.Parse(JsonSerializer.Serialize(new { data = new { body } }));
}
