using System.Text.Json;
using BenchmarkDotNet.Attributes;

namespace Herald.Benchmarks;

/// <summary>
/// The question: evaluate over <see cref="JsonElement"/> or over the raw UTF-8 bytes?
/// A raw-bytes evaluator must scan the body with <see cref="Utf8JsonReader"/> for every query it
/// runs; <see cref="JsonElement"/> pays one parse per event (which ingest does anyway, to validate)
/// and then each lookup is a walk of the parsed index. These are the best hand-written cases of
/// each for <c>operation="update"</c> (a top-level field that sits after the large <c>data</c>
/// object in the seed event) and <c>data.status="ACTIVE"</c>.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class RawUtf8Comparison
{
    private byte[] _body = [];
    private JsonDocument? _document;

    [GlobalSetup]
    public void Setup()
    {
        using var stream = typeof(RawUtf8Comparison).Assembly.GetManifestResourceStream("formats.json")
            ?? throw new InvalidOperationException("formats.json is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        _body = copy.ToArray();
        _document = JsonDocument.Parse(_body);
    }

    [GlobalCleanup]
    public void Cleanup() => _document?.Dispose();

    [Benchmark(Baseline = true)]
    public bool Element_Operation() =>
        _document!.RootElement.TryGetProperty("operation"u8, out var operation) && operation.ValueEquals("update"u8);

    [Benchmark]
    public bool Raw_Operation() => ScanTopLevel("operation"u8, "update"u8);

    [Benchmark]
    public bool Element_DataStatus() =>
        _document!.RootElement.TryGetProperty("data"u8, out var data) && data.TryGetProperty("status"u8, out var status) && status.ValueEquals("ACTIVE"u8);

    [Benchmark]
    public bool Raw_DataStatus()
    {
        var reader = new Utf8JsonReader(_body);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isStatus = reader.ValueTextEquals("status"u8);
                    reader.Read();
                    if (isStatus)
                    {
                        return reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("ACTIVE"u8);
                    }

                    reader.Skip();
                }

                return false;
            }

            reader.Read();
            reader.Skip();
        }

        return false;
    }

    /// <summary>One parse per event, as ingest does: what the element side pays once, shared by every query.</summary>
    [Benchmark]
    public int Parse_Once()
    {
        using var document = JsonDocument.Parse(_body);
        return document.RootElement.GetArrayLengthOrZero();
    }

    private bool ScanTopLevel(ReadOnlySpan<byte> name, ReadOnlySpan<byte> expected)
    {
        var reader = new Utf8JsonReader(_body);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match)
            {
                return reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(expected);
            }

            reader.Skip();
        }

        return false;
    }
}

internal static class JsonElementExtensions
{
    public static int GetArrayLengthOrZero(this JsonElement element) => element.ValueKind == JsonValueKind.Array ? element.GetArrayLength() : 0;
}
