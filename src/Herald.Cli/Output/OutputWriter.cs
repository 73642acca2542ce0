using System.Text.Encodings.Web;
using System.Text.Json;

namespace Herald.Cli.Output;

/// <summary>Writes results as aligned tables and field lists for people, or as indented JSON with <c>--json</c>.</summary>
internal sealed class OutputWriter(TextWriter output, bool json)
{
    /// <summary>Indented, and without escaping non-ASCII: this is for reading.</summary>
    public static readonly JsonSerializerOptions Pretty = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public bool Json { get; } = json;

    public TextWriter Writer { get; } = output;

    public Task JsonAsync(JsonElement value) => Writer.WriteLineAsync(JsonSerializer.Serialize(value, Pretty));

    public Task LineAsync(string text = "") => Writer.WriteLineAsync(text);

    /// <summary>Columns separated by two spaces and padded to the widest cell; an empty list says so.</summary>
    public async Task TableAsync(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows, string empty = "(none)")
    {
        if (rows.Count == 0)
        {
            await Writer.WriteLineAsync(empty);
            return;
        }

        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        await Writer.WriteLineAsync(Row(headers, widths));
        foreach (var row in rows)
        {
            await Writer.WriteLineAsync(Row(row, widths));
        }
    }

    /// <summary><c>label:  value</c> lines with the values aligned.</summary>
    public async Task FieldsAsync(IReadOnlyList<(string Label, string Value)> fields)
    {
        var width = fields.Max(f => f.Label.Length) + 1;
        foreach (var (label, value) in fields)
        {
            await Writer.WriteLineAsync((label + ":").PadRight(width + 1) + value);
        }
    }

    private static string Row(IReadOnlyList<string> cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i == cells.Count - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
}
