using System.Text;
using System.Text.Json;

namespace Herald.Cli.Commands;

/// <summary>
/// JSON given on the command line in one of three ways: <c>-</c> for standard input, text starting with
/// <c>{</c> or <c>[</c> for inline JSON, anything else for a file path.
/// </summary>
internal static class JsonInput
{
    public const string Help = "a file path, - for standard input, or inline JSON";

    /// <summary>Reads the bytes as given (they are sent unchanged) after checking that they are JSON.</summary>
    public static async Task<byte[]> ReadAsync(string source, CliConsole console, string what, CancellationToken cancellationToken)
    {
        byte[] bytes;
        string origin;
        if (source == "-")
        {
            await using var input = console.OpenInput();
            using var buffer = new MemoryStream();
            await input.CopyToAsync(buffer, cancellationToken);
            bytes = buffer.ToArray();
            origin = "standard input";
        }
        else if (source.TrimStart() is ['{', ..] or ['[', ..])
        {
            bytes = Encoding.UTF8.GetBytes(source);
            origin = "the inline JSON";
        }
        else
        {
            try
            {
                bytes = await File.ReadAllBytesAsync(source, cancellationToken);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw CliException.Usage($"cannot read {what} from '{source}': {exception.Message}");
            }

            origin = $"'{source}'";
        }

        // A UTF-8 byte order mark is not JSON; editors add it, so it is dropped rather than refused.
        if (bytes is [0xEF, 0xBB, 0xBF, ..])
        {
            bytes = bytes[3..];
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
        }
        catch (JsonException exception)
        {
            var where = exception.LineNumber is { } line ? $" (line {line + 1}, byte {exception.BytePositionInLine + 1})" : string.Empty;
            throw CliException.Usage($"{what} from {origin} is not valid JSON{where}");
        }

        return bytes;
    }

    public static async Task<JsonElement> ReadElementAsync(string source, CliConsole console, string what, CancellationToken cancellationToken)
    {
        var bytes = await ReadAsync(source, console, what, cancellationToken);
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.Clone();
    }
}
