using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server;

/// <summary>Reads a bounded JSON request body, answering 413 or 400 (with where) on bad input.</summary>
internal static class JsonBody
{
    public const int DefaultLimit = 1024 * 1024;

    public static async Task<(JsonDocument? Document, byte[]? Bytes, BodyError? Error)> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return (null, null, new BodyError(null, ApiResults.PayloadTooLarge($"the body is larger than the limit of {limit} bytes")));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return (null, null, new BodyError(null, ApiResults.PayloadTooLarge($"the body is larger than the limit of {limit} bytes")));
            }

            buffer.Write(chunk, 0, read);
        }

        var bytes = buffer.ToArray();
        if (bytes.Length == 0)
        {
            return (null, null, new BodyError(ApiResults.BadRequest("the body is empty; a JSON document is required", "$"), null));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 128 });
        }
        catch (JsonException ex)
        {
            var where = $"line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}";
            return (null, null, new BodyError(ApiResults.BadRequest($"malformed JSON at {where}", ex.Path ?? "$"), null));
        }

        if (JsonText.FindInvalid(document.RootElement, bytes) is { } path)
        {
            document.Dispose();
            return (null, null, new BodyError(ApiResults.BadRequest("the body holds text that is not valid UTF-8 (or an unpaired surrogate escape); keys and strings must be valid Unicode", path), null));
        }

        return (document, bytes, null);
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
