using System.Text;
using System.Text.Json;
using Herald.Core.Events;

namespace Herald.Core.Tests.Events;

public sealed class EventEnvelopeReaderTests
{
    private const string Valid =
        """
        {"system_domain_id":"dom-1","event_type":"assets","realm":"metadata","operation":"update",
         "object_id":"obj-1","user_id":"user-1","request_id":"req-1","data":{"title":"A"}}
        """;

    [Fact]
    public void TryRead_FullEnvelope_ReadsEveryRoutingField()
    {
        var (ok, published, error) = Read(Valid);

        Assert.True(ok);
        Assert.Null(error);
        Assert.NotNull(published);
        Assert.Equal("assets", published.EventType);
        Assert.Equal("update", published.Operation);
        Assert.Equal("metadata", published.Realm);
        Assert.Equal("obj-1", published.ObjectId);
        Assert.Equal("dom-1", published.DomainId);
        Assert.Equal("req-1", published.RequestId);
    }

    [Fact]
    public void TryRead_ValidEnvelope_KeepsTheExactBodyBytes()
    {
        var bytes = Encoding.UTF8.GetBytes(Valid);
        using var document = JsonDocument.Parse(bytes);

        Assert.True(EventEnvelopeReader.TryRead(document.RootElement, bytes, string.Empty, out var published, out _));

        Assert.Equal(bytes, published!.Body.ToArray());
    }

    [Fact]
    public void TryRead_OnlyRequiredFields_OptionalFieldsAreNull()
    {
        var (ok, published, _) = Read("""{"event_type":"assets","operation":"create","data":{}}""");

        Assert.True(ok);
        Assert.Null(published!.Realm);
        Assert.Null(published.ObjectId);
        Assert.Null(published.DomainId);
        Assert.Null(published.RequestId);
    }

    [Fact]
    public void TryRead_OptionalFieldsExplicitlyNull_AreNull()
    {
        var (ok, published, _) = Read(
            """{"event_type":"assets","operation":"create","data":{},"realm":null,"object_id":null,"system_domain_id":null,"user_id":null,"request_id":null}""");

        Assert.True(ok);
        Assert.Null(published!.Realm);
        Assert.Null(published.ObjectId);
        Assert.Null(published.DomainId);
        Assert.Null(published.RequestId);
    }

    [Fact]
    public void TryRead_UnknownExtraFields_AreAccepted()
    {
        var (ok, _, _) = Read("""{"event_type":"assets","operation":"create","data":{},"extra":[1,2],"realm_id":5}""");

        Assert.True(ok);
    }

    [Theory]
    [InlineData("create")]
    [InlineData("update")]
    [InlineData("delete")]
    [InlineData("purge")]
    [InlineData("restore")]
    [InlineData("download")]
    public void TryRead_KnownOperation_Succeeds(string operation)
    {
        var (ok, published, _) = Read($$$"""{"event_type":"assets","operation":"{{{operation}}}","data":{}}""");

        Assert.True(ok);
        Assert.Equal(operation, published!.Operation);
    }

    [Theory]
    [InlineData("modify")]
    [InlineData("all")]
    [InlineData("Update")]
    [InlineData("UPDATE")]
    [InlineData(" update")]
    public void TryRead_UnknownOperation_FailsAtOperation(string operation)
    {
        var (ok, published, error) = Read($$$"""{"event_type":"assets","operation":"{{{operation}}}","data":{}}""");

        Assert.False(ok);
        Assert.Null(published);
        Assert.Equal("operation", error!.Path);
        Assert.Contains($"'{operation}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_MissingEventType_FailsAsRequired()
    {
        var (ok, published, error) = Read("""{"operation":"create","data":{}}""");

        Assert.False(ok);
        Assert.Null(published);
        Assert.Equal(new ValidationError("event_type is required", "event_type"), error);
    }

    [Fact]
    public void TryRead_NullEventType_FailsAsRequired()
    {
        var (ok, _, error) = Read("""{"event_type":null,"operation":"create","data":{}}""");

        Assert.False(ok);
        Assert.Equal(new ValidationError("event_type is required", "event_type"), error);
    }

    [Theory]
    [InlineData("42")]
    [InlineData("true")]
    [InlineData("{}")]
    [InlineData("[\"assets\"]")]
    [InlineData("\"\"")]
    public void TryRead_EventTypeNotANonEmptyString_Fails(string value)
    {
        var (ok, _, error) = Read($$$"""{"event_type":{{{value}}},"operation":"create","data":{}}""");

        Assert.False(ok);
        Assert.Equal(new ValidationError("event_type must be a non-empty string", "event_type"), error);
    }

    [Fact]
    public void TryRead_MissingOperation_FailsAsRequired()
    {
        var (ok, _, error) = Read("""{"event_type":"assets","data":{}}""");

        Assert.False(ok);
        Assert.Equal(new ValidationError("operation is required", "operation"), error);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("false")]
    [InlineData("[\"update\"]")]
    [InlineData("\"\"")]
    public void TryRead_OperationWrongType_Fails(string value)
    {
        var (ok, _, error) = Read($$$"""{"event_type":"assets","operation":{{{value}}},"data":{}}""");

        Assert.False(ok);
        Assert.Equal(new ValidationError("operation must be a non-empty string", "operation"), error);
    }

    [Fact]
    public void TryRead_MissingData_FailsAsRequired()
    {
        var (ok, _, error) = Read("""{"event_type":"assets","operation":"create"}""");

        Assert.False(ok);
        Assert.Equal(new ValidationError("data is required", "data"), error);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("7")]
    [InlineData("true")]
    public void TryRead_DataNotAnObject_Fails(string value)
    {
        var (ok, _, error) = Read($$$"""{"event_type":"assets","operation":"create","data":{{{value}}}}""");

        Assert.False(ok);
        Assert.Equal(new ValidationError("data must be an object", "data"), error);
    }

    [Theory]
    [InlineData("system_domain_id", "5")]
    [InlineData("realm", "true")]
    [InlineData("object_id", "{}")]
    [InlineData("user_id", "[]")]
    [InlineData("request_id", "1.5")]
    public void TryRead_OptionalFieldWrongType_FailsAtThatField(string field, string value)
    {
        var (ok, published, error) = Read($$$"""{"event_type":"assets","operation":"create","data":{},"{{{field}}}":{{{value}}}}""");

        Assert.False(ok);
        Assert.Null(published);
        Assert.Equal(new ValidationError($"{field} must be a string or null", field), error);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"event\"")]
    [InlineData("12")]
    [InlineData("null")]
    public void TryRead_NotAnObjectWithoutPrefix_FailsAtRoot(string json)
    {
        var (ok, _, error) = Read(json);

        Assert.False(ok);
        Assert.Equal("$", error!.Path);
        Assert.Equal("an event must be a JSON object", error.Message);
    }

    [Fact]
    public void TryRead_NotAnObjectInsideArray_FailsAtItsIndex()
    {
        var (ok, _, error) = Read("42", "[3].");

        Assert.False(ok);
        Assert.Equal("[3]", error!.Path);
    }

    [Fact]
    public void TryRead_BothRequiredMissing_ReportsEventTypeFirst()
    {
        var (_, _, error) = Read("""{"data":{}}""");

        Assert.Equal("event_type", error!.Path);
    }

    [Fact]
    public void TryRead_ArrayElementErrors_CarryTheArrayPrefix()
    {
        var json = """
            [
              {"event_type":"assets","operation":"create","data":{}},
              {"operation":"create","data":{}},
              {"event_type":"assets","operation":"explode","data":{}},
              {"event_type":"assets","operation":"create","data":[]},
              {"event_type":"assets","operation":"create","data":{},"realm":3}
            ]
            """;
        var bytes = Encoding.UTF8.GetBytes(json);
        using var document = JsonDocument.Parse(bytes);
        var paths = new List<string?>();
        var index = 0;
        foreach (var element in document.RootElement.EnumerateArray())
        {
            EventEnvelopeReader.TryRead(element, bytes, $"[{index}].", out _, out var error);
            paths.Add(error?.Path);
            index++;
        }

        Assert.Equal([null, "[1].event_type", "[2].operation", "[3].data", "[4].realm"], paths);
    }

    [Theory]
    [InlineData("""{"event_type":"assets","operation":"update","realm":"a\r\nX-Injected: 1","data":{}}""", "realm", "line break")]
    [InlineData("""{"event_type":"assets","operation":"update","realm":"m\u00e9tadonn\u00e9es","data":{}}""", "realm", "non-ASCII")]
    [InlineData("""{"event_type":"assets","operation":"update","realm":"a\u0000","data":{}}""", "realm", "NUL")]
    [InlineData("""{"event_type":"assets\nX: 1","operation":"update","data":{}}""", "event_type", "line break")]
    [InlineData("""{"event_type":"caf\u00e9","operation":"update","data":{}}""", "event_type", "non-ASCII")]
    public void TryRead_HeaderUnsafeEventTypeOrRealm_FailsWithPath(string json, string path, string why)
    {
        var (ok, published, error) = Read(json, "[2].");

        Assert.False(ok);
        Assert.Null(published);
        Assert.Equal("[2]." + path, error!.Path);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_NonAsciiOutsideHeaderFields_IsAccepted()
    {
        var (ok, published, _) = Read("""{"event_type":"assets","operation":"update","realm":"metadata","object_id":"caf\u00e9","data":{"title":"m\u00e9tadonn\u00e9es"}}""");

        Assert.True(ok);
        Assert.Equal("caf\u00e9", published!.ObjectId);
    }

    [Theory]
    [InlineData("assets", "metadata", "update", "assets.metadata.update")]
    [InlineData("collections", null, "delete", "collections.delete")]
    public void EventName_RealmPresentOrAbsent_FormatsDottedName(string eventType, string? realm, string operation, string expected)
    {
        var published = new PublishedEvent(eventType, operation, realm, null, null, null, ReadOnlyMemory<byte>.Empty);

        Assert.Equal(expected, published.EventName);
    }

    private static (bool Ok, PublishedEvent? Published, ValidationError? Error) Read(string json, string prefix = "")
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        using var document = JsonDocument.Parse(bytes);
        var ok = EventEnvelopeReader.TryRead(document.RootElement, bytes, prefix, out var published, out var error);
        return (ok, published, error);
    }
}
