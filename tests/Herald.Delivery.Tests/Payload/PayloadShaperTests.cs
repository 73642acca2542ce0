using System.Text;
using System.Text.Json;
using Herald.Core.Webhooks;
using Herald.Delivery.Payload;

namespace Herald.Delivery.Tests.Payload;

public sealed class PayloadShaperTests
{
    private const string Envelope = """
        {"event_type":"assets","operation":"update","object_id":"42",
         "data":{"title":"Clip","size":1024,"status":"CLOSED","tags":["a","b"],
                 "components":[{"type":"VIDEO","metadata":{"width":"3840","format":"AVC"}},{"type":"AUDIO","metadata":{"format":"AAC"}}],
                 "a.b":{"c":1}}}
        """;

    [Fact]
    public void Shape_DefaultOptions_ReturnsTheExactBytes()
    {
        var bytes = Encoding.UTF8.GetBytes(Envelope);

        var shaped = Create(null).Shape(bytes);

        Assert.True(shaped.Span.SequenceEqual(bytes));
    }

    [Fact]
    public void Shape_DataBody_ReturnsTheDataObject()
    {
        var shaped = Shape(new PayloadOptions(PayloadOptions.Data, null));

        Assert.Equal(JsonDocument.Parse(Envelope).RootElement.GetProperty("data").GetRawText().Replace("\n", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal), shaped);
    }

    [Fact]
    public void Shape_Fields_KeepsOnlyThosePathsWithTheirStructure()
    {
        var shaped = Shape(new PayloadOptions(PayloadOptions.Envelope, ["object_id", "data.title", "data.size"]));

        Assert.Equal("""{"object_id":"42","data":{"title":"Clip","size":1024}}""", shaped);
    }

    [Fact]
    public void Shape_FieldsThenData_AppliesFieldsFirstThenTakesData()
    {
        var shaped = Shape(new PayloadOptions(PayloadOptions.Data, ["data.title", "operation"]));

        Assert.Equal("""{"title":"Clip"}""", shaped);
    }

    [Fact]
    public void Shape_FieldsWithoutData_DataBodyIsEmptyObject()
    {
        Assert.Equal("{}", Shape(new PayloadOptions(PayloadOptions.Data, ["operation"])));
    }

    [Fact]
    public void Shape_NameThroughArray_AppliesToEveryElement()
    {
        var shaped = Shape(new PayloadOptions(PayloadOptions.Envelope, ["data.components.metadata.format"]));

        Assert.Equal("""{"data":{"components":[{"metadata":{"format":"AVC"}},{"metadata":{"format":"AAC"}}]}}""", shaped);
    }

    [Fact]
    public void Shape_IndexSegment_KeepsThatElementOnly()
    {
        var shaped = Shape(new PayloadOptions(PayloadOptions.Envelope, ["data.components.0.type"]));

        Assert.Equal("""{"data":{"components":[{"type":"VIDEO"}]}}""", shaped);
    }

    [Fact]
    public void Shape_QuotedSegmentAndMissingPath_KeepsWhatExists()
    {
        var shaped = Shape(new PayloadOptions(PayloadOptions.Envelope, ["data.`a.b`.c", "data.nothing.here", "data.title.deeper"]));

        Assert.Equal("""{"data":{"a.b":{"c":1}}}""", shaped);
    }

    [Fact]
    public void Shape_WholeArrayField_KeepsAllOfIt()
    {
        Assert.Equal("""{"data":{"tags":["a","b"]}}""", Shape(new PayloadOptions(PayloadOptions.Envelope, ["data.tags"])));
    }

    [Theory]
    [InlineData("data..title")]
    [InlineData("data.`open")]
    [InlineData("")]
    public void TryCreate_InvalidPath_FailsWithMessage(string path)
    {
        Assert.False(PayloadShaper.TryCreate(new PayloadOptions(PayloadOptions.Envelope, [path]), out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    private static PayloadShaper Create(PayloadOptions? options)
    {
        Assert.True(PayloadShaper.TryCreate(options, out var shaper, out var error), error);
        return shaper!;
    }

    private static string Shape(PayloadOptions options) => Encoding.UTF8.GetString(Create(options).Shape(Encoding.UTF8.GetBytes(Envelope)).Span);
}
