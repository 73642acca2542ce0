using System.Text.Json;
using BenchmarkDotNet.Attributes;

namespace Herald.Benchmarks;

/// <summary>
/// What the same checks cost written by hand against <see cref="JsonElement"/>: the floor the
/// compiled queries are measured against (and a gauge of how loaded the machine is).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class HandWrittenBaseline
{
    private JsonDocument? _document;
    private JsonElement _formats;

    [GlobalSetup]
    public void Setup()
    {
        using var stream = typeof(HandWrittenBaseline).Assembly.GetManifestResourceStream("formats.json")
            ?? throw new InvalidOperationException("formats.json is not embedded");
        _document = JsonDocument.Parse(stream);
        _formats = _document.RootElement;
    }

    [GlobalCleanup]
    public void Cleanup() => _document?.Dispose();

    /// <summary><c>operation="update"</c> by hand.</summary>
    [Benchmark(Baseline = true)]
    public bool OperationEquals() =>
        _formats.TryGetProperty("operation"u8, out var operation) && operation.ValueEquals("update"u8);

    /// <summary><c>data.components.metadata.duration&gt;10000</c> by hand, with the string parsed as a number.</summary>
    [Benchmark]
    public bool DurationGreater()
    {
        if (!_formats.TryGetProperty("data"u8, out var data) || !data.TryGetProperty("components"u8, out var components))
        {
            return false;
        }

        foreach (var component in components.EnumerateArray())
        {
            if (component.TryGetProperty("metadata"u8, out var metadata)
                && metadata.TryGetProperty("duration"u8, out var duration)
                && double.TryParse(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(duration)[1..^1], System.Globalization.CultureInfo.InvariantCulture, out var value)
                && value > 10000)
            {
                return true;
            }
        }

        return false;
    }
}
