using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Herald.Query;

namespace Herald.Benchmarks;

/// <summary>
/// The seed queries of QUERY.md's example table on the seed <c>formats</c> event: how long a
/// query takes to parse and compile (once per webhook save) and to evaluate (once per event).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class QueryBenchmarks
{
    private JsonDocument? _document;
    private JsonElement _formats;
    private CompiledQuery? _query;

    [ParamsSource(nameof(Queries))]
    public string Query { get; set; } = string.Empty;

    public static IEnumerable<string> Queries =>
    [
        "operation=\"update\"",
        "data.status=\"ACTIVE\" AND data.is_online=true",
        "data.status=\"ACTIVE\" AND (data.components.metadata.format=\"AVC\" OR data.components.metadata.format=\"MPEG-4\")",
        "data.deleted_by_user=null",
        "(data.components.metadata.width>=1920 OR data.components.metadata.height>=1920) AND data.components.metadata.duration>60000",
        "data.components.metadata.duration>10000",
        "data.metadata.format=/MPEG-[2,4]/",
    ];

    [GlobalSetup]
    public void Setup()
    {
        using var stream = typeof(QueryBenchmarks).Assembly.GetManifestResourceStream("formats.json")
            ?? throw new InvalidOperationException("formats.json is not embedded");
        _document = JsonDocument.Parse(stream);
        _formats = _document.RootElement;
        _query = QueryCompiler.Compile(Query);
    }

    [GlobalCleanup]
    public void Cleanup() => _document?.Dispose();

    [Benchmark]
    public CompiledQuery ParseAndCompile() => QueryCompiler.Compile(Query);

    [Benchmark]
    public bool Evaluate() => _query!.Matches(_formats);
}
