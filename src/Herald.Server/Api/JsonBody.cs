using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server;

/// <summary>Reads a bounded JSON request body, answering 413 or 400 (with where) on bad input.</summary>
internal static class JsonBody
{
    public const int DefaultLimit = 1024 * 1024;

    /// <summary>
    /// Reads the body into a buffer from <see cref="ArrayPool{T}.Shared"/> and parses it in place; the
    /// buffer goes back to the pool when the document is disposed. A publish of 800 events is close
    /// to a megabyte: copied through a growing <c>MemoryStream</c> and out with <c>ToArray</c> it
    /// left ~2.7 MB of large-object garbage per request, which kept the GC heap at several hundred
    /// megabytes while a backlog was published.
    /// </summary>
    public static async Task<(JsonBodyDocument? Document, BodyError? Error)> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return (null, new BodyError(null, ApiResults.PayloadTooLarge($"the body is larger than the limit of {limit} bytes")));
        }

        // One byte more than a stated length, so the end of the body is seen without growing.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max((request.ContentLength ?? 0) + 1, 16 * 1024), limit + 1L));
        var owned = false;
        var used = 0;
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    // A body longer than it said, or of unknown length: grow (once past the limit it is refused).
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1L));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    Release(buffer, length);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length, (int)Math.Min(buffer.Length, limit + 1L) - length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
                used = length;
                if (length > limit)
                {
                    return (null, new BodyError(null, ApiResults.PayloadTooLarge($"the body is larger than the limit of {limit} bytes")));
                }
            }

            if (length == 0)
            {
                return (null, new BodyError(ApiResults.BadRequest("the body is empty; a JSON document is required", "$"), null));
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(buffer.AsMemory(0, length), new JsonDocumentOptions { MaxDepth = 128 });
            }
            catch (JsonException ex)
            {
                var where = $"line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}";
                return (null, new BodyError(ApiResults.BadRequest($"malformed JSON at {where}", ex.Path ?? "$"), null));
            }

            if (JsonText.FindInvalid(document.RootElement, buffer.AsSpan(0, length)) is { } path)
            {
                document.Dispose();
                return (null, new BodyError(ApiResults.BadRequest("the body holds text that is not valid UTF-8 (or an unpaired surrogate escape); keys and strings must be valid Unicode", path), null));
            }

            owned = true;
            return (new JsonBodyDocument(document, buffer, length), null);
        }
        finally
        {
            if (!owned)
            {
                Release(buffer, used);
            }
        }
    }

    /// <summary>Returns a body buffer to the pool, its used part cleared: bodies can hold keys and secrets.</summary>
    internal static void Release(byte[] buffer, int used)
    {
        buffer.AsSpan(0, Math.Min(used, buffer.Length)).Clear();
        ArrayPool<byte>.Shared.Return(buffer);
    }
}

/// <summary>A parsed request body over a pooled buffer: disposing it ends the document, then returns the buffer.</summary>
internal sealed class JsonBodyDocument(JsonDocument document, byte[] buffer, int length) : IDisposable
{
    private byte[]? _buffer = buffer;

    public JsonElement RootElement => document.RootElement;

    public void Dispose()
    {
        // The document first: any element read after this throws instead of seeing a reused buffer.
        document.Dispose();
        if (Interlocked.Exchange(ref _buffer, null) is { } rented)
        {
            JsonBody.Release(rented, length);
        }
    }
}

/// <summary>
/// Why <see cref="JsonBody.ReadAsync"/> refused a body: exactly one of a 400 or a 413, typed so a
/// handler can return it from its <c>Results&lt;…&gt;</c> (<c>error.TooLarge is { } t ? t : error.BadRequest!</c>).
/// </summary>
internal sealed record BodyError(BadRequest<ApiResults.ErrorBody>? BadRequest, PayloadTooLarge? TooLarge)
{
    /// <summary>For handlers that return <c>IResult</c>.</summary>
    public IResult Result => (IResult?)BadRequest ?? TooLarge!;
}
