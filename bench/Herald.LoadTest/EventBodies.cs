using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Herald.LoadTest;

/// <summary>
/// Builds the ~1 KiB events the test publishes. Each carries <c>data.sent_at_ticks</c> (this
/// process's <see cref="Stopwatch"/> timestamp, taken just before the request is sent) and
/// <c>data.seq</c>, which the receiver reads back to measure latency and to count each delivery once.
/// </summary>
internal static class EventBodies
{
    public const string EventType = "assets";

    /// <summary>Roughly what one event weighs on the wire.</summary>
    public const int TargetBytes = 1024;

    private static readonly string Padding = new('x', PaddingLength());

    /// <summary>One request's body: a JSON array of <paramref name="count"/> events from <paramref name="firstSeq"/>.</summary>
    public static byte[] Batch(string eventType, int firstSeq, int count)
    {
        var buffer = new ArrayBufferWriter<byte>(count * (TargetBytes + 16));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            var sent = Stopwatch.GetTimestamp();
            writer.WriteStartArray();
            for (var i = 0; i < count; i++)
            {
                Write(writer, eventType, firstSeq + i, sent, Padding);
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One event on its own, as a subscriber receives it (used for the raw ceiling).</summary>
    public static byte[] Single(int seq)
    {
        var buffer = new ArrayBufferWriter<byte>(TargetBytes + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, EventType, seq, Stopwatch.GetTimestamp(), Padding);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads <c>data.seq</c> and <c>data.sent_at_ticks</c> back out of a delivered body.</summary>
    public static bool TryReadStamp(in ReadOnlySequence<byte> body, out int seq, out long sentTicks)
    {
        seq = -1;
        sentTicks = 0;
        var found = 0;
        var reader = new Utf8JsonReader(body);
        try
        {
            while (found < 2 && reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 2)
                {
                    continue;
                }

                if (reader.ValueTextEquals("sent_at_ticks"u8) && reader.Read() && reader.TryGetInt64(out sentTicks))
                {
                    found++;
                }
                else if (reader.ValueTextEquals("seq"u8) && reader.Read() && reader.TryGetInt32(out seq))
                {
                    found++;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return found == 2;
    }

    private static void Write(Utf8JsonWriter writer, string eventType, int seq, long sentTicks, string padding)
    {
        writer.WriteStartObject();
        writer.WriteString("event_type"u8, eventType);
        writer.WriteString("realm"u8, "proxies"u8);
        writer.WriteString("operation"u8, "update"u8);
        writer.WriteString("object_id"u8, seq.ToString(CultureInfo.InvariantCulture));
        writer.WriteStartObject("data"u8);
        writer.WriteNumber("sent_at_ticks"u8, sentTicks);
        writer.WriteNumber("seq"u8, seq);
        writer.WriteString("status"u8, "CLOSED"u8);
        writer.WriteString("title"u8, "Quarterly review, proxy 1080p"u8);
        writer.WriteString("padding"u8, padding);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static int PaddingLength()
    {
        var buffer = new ArrayBufferWriter<byte>(TargetBytes);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, EventType, 1_000_000, Stopwatch.GetTimestamp(), string.Empty);
        }

        return Math.Max(0, TargetBytes - buffer.WrittenCount);
    }
}
