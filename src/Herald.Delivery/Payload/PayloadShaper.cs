using System.Buffers;
using System.Text.Json;
using Herald.Core.Webhooks;
using Herald.Query;

namespace Herald.Delivery.Payload;

/// <summary>
/// Builds the delivered body: the envelope as published, or only the listed field paths
/// (structure kept: <c>data.title</c> gives <c>{"data":{"title":...}}</c>), and then, for
/// <c>body = "data"</c>, just the <c>data</c> object. Paths use the query language's syntax; a
/// name segment on an array applies to every element, an index segment keeps that element.
/// </summary>
public sealed class PayloadShaper
{
    private readonly Node? _fields;
    private readonly bool _dataOnly;

    private PayloadShaper(Node? fields, bool dataOnly)
    {
        _fields = fields;
        _dataOnly = dataOnly;
    }

    /// <summary>Compiles the options; false with a message naming the bad path when one is invalid.</summary>
    public static bool TryCreate(PayloadOptions? options, out PayloadShaper? shaper, out string? error)
    {
        shaper = null;
        error = null;
        options ??= PayloadOptions.Default;
        Node? root = null;
        foreach (var field in options.Fields ?? [])
        {
            if (!QueryPath.TryParse(field, out var segments, out var invalid))
            {
                error = $"'{field}' is not a valid path: {invalid.Message} (column {invalid.Position})";
                return false;
            }

            root ??= new Node();
            var node = root;
            foreach (var segment in segments)
            {
                node = node.Child(segment);
            }

            node.Whole = true;
        }

        shaper = new PayloadShaper(root, options.Body == PayloadOptions.Data);
        return true;
    }

    public bool IsIdentity => _fields is null && !_dataOnly;

    /// <summary>The bytes to send (and sign) for an event published as <paramref name="envelope"/>.</summary>
    public ReadOnlyMemory<byte> Shape(ReadOnlyMemory<byte> envelope)
    {
        if (IsIdentity)
        {
            return envelope;
        }

        using var document = JsonDocument.Parse(envelope);
        var buffer = new ArrayBufferWriter<byte>(envelope.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            var root = document.RootElement;
            if (_dataOnly)
            {
                // Field paths are written against the envelope; "data" then takes the data object.
                var node = _fields is null ? null : _fields.Children.GetValueOrDefault("data") ?? new Node();
                if (root.TryGetProperty("data", out var data))
                {
                    Write(writer, data, node);
                }
                else
                {
                    writer.WriteStartObject();
                    writer.WriteEndObject();
                }
            }
            else
            {
                Write(writer, root, _fields);
            }
        }

        return buffer.WrittenMemory;
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element, Node? node)
    {
        if (node is null || node.Whole)
        {
            element.WriteTo(writer);
            return;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    if ((node.Children.TryGetValue(property.Name, out var child) || node.DigitKeys.TryGetValue(property.Name, out child)) && Reaches(property.Value, child))
                    {
                        writer.WritePropertyName(property.Name);
                        Write(writer, property.Value, child);
                    }
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (node.Indexes.TryGetValue(index, out var byIndex) && Reaches(item, byIndex))
                    {
                        Write(writer, item, byIndex);
                    }
                    else if (node.Children.Count > 0 && item.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    {
                        Write(writer, item, node);
                    }

                    index++;
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    // A path that continues below a scalar selects nothing there, so the scalar is left out.
    private static bool Reaches(JsonElement value, Node node) =>
        node.Whole || value.ValueKind is JsonValueKind.Object or JsonValueKind.Array;

    private sealed class Node
    {
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

        public Dictionary<int, Node> Indexes { get; } = [];

        public Dictionary<string, Node> DigitKeys { get; } = new(StringComparer.Ordinal);

        public bool Whole { get; set; }

        public Node Child(PathSegment segment)
        {
            if (segment.Kind == PathSegmentKind.Index)
            {
                if (!Indexes.TryGetValue(segment.Index, out var byIndex))
                {
                    byIndex = Indexes[segment.Index] = new Node();
                }

                // On an object, digits are a key with that text (the query language's rule); kept
                // apart from names so an index does not fan out over the other elements.
                DigitKeys.TryAdd(segment.Name, byIndex);
                return byIndex;
            }

            if (!Children.TryGetValue(segment.Name, out var child))
            {
                child = Children[segment.Name] = new Node();
            }

            return child;
        }
    }
}
