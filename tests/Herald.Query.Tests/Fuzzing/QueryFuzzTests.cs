using System.Diagnostics;

namespace Herald.Query.Tests.Fuzzing;

/// <summary>
/// Feeds 100,000+ generated, mutated and random queries to the compiler: nothing but
/// <see cref="QueryParseException"/> escapes, nothing hangs, and whatever compiles evaluates
/// on every test event without throwing.
/// </summary>
public sealed class QueryFuzzTests
{
    private const int Iterations = 110_000;

    [Fact]
    public async Task TryCompile_RandomAndMutatedQueries_NeverThrowsAndEvaluates()
    {
        var corpus = CaseFileTests.Cases().Select(row => (string)row[1]).ToList();
        var events = TestEvents.Every.ToArray();
        var generator = new QueryGenerator(seed: 20_251_129);
        var accepted = 0;

        var run = Task.Run(() =>
        {
            for (var i = 0; i < Iterations; i++)
            {
                var text = generator.Next(corpus);
                if (Check(text, events, checkExtras: i % 8 == 0))
                {
                    accepted++;
                }
            }
        });

        // A hang shows up as a TimeoutException rather than a stuck test run.
        await run.WaitAsync(TimeSpan.FromSeconds(90));

        // The generator must exercise both sides, or the test proves little.
        Assert.InRange(accepted, Iterations / 10, Iterations - (Iterations / 10));
    }

    /// <summary><paramref name="checkExtras"/> adds Compile's exception and the NOT property, which cost a second compile.</summary>
    private static bool Check(string text, System.Text.Json.JsonElement[] events, bool checkExtras)
    {
        bool compiled;
        CompiledQuery? query;
        QueryError? error;
        var watch = Stopwatch.StartNew();
        try
        {
            compiled = QueryCompiler.TryCompile(text, out query, out error);
        }
        catch (Exception ex)
        {
            Assert.Fail($"TryCompile threw {ex.GetType().Name} for {Show(text)}: {ex.Message}");
            throw;
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"compiling took {watch.Elapsed} for {Show(text)}");

        if (checkExtras)
        {
            var thrown = Record.Exception(() => QueryCompiler.Compile(text));
            Assert.True(thrown is null or QueryParseException, $"Compile threw {thrown?.GetType().Name} for {Show(text)}");
            Assert.Equal(compiled, thrown is null);
        }

        if (!compiled)
        {
            Assert.InRange(error!.Position, 1, text.Length + 1);
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
            return false;
        }

        // NOT is exact negation wherever the extra level fits the depth limit.
        CompiledQuery? negated = null;
        if (checkExtras)
        {
            QueryCompiler.TryCompile($"NOT ({text})", out negated, out _);
        }

        foreach (var envelope in events)
        {
            bool matches;
            try
            {
                matches = query!.Matches(envelope);
            }
            catch (Exception ex)
            {
                Assert.Fail($"Matches threw {ex.GetType().Name} for {Show(text)}: {ex.Message}");
                throw;
            }

            if (negated is not null)
            {
                Assert.Equal(!matches, negated.Matches(envelope));
            }
        }

        return true;
    }

    private static string Show(string text) => text.Length > 200 ? $"\"{text[..200]}…\" ({text.Length} chars)" : $"\"{text}\"";
}
