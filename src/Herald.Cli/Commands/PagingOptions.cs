using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Cli.Api;

namespace Herald.Cli.Commands;

/// <summary><c>--limit</c>, <c>--cursor</c> and <c>--all</c> over Herald's <c>{"objects": [...], "next": cursor}</c> lists.</summary>
internal sealed class PagingOptions
{
    private const int PageSize = 1000;

    public Option<int?> Limit { get; } = new("--limit") { Description = "Objects per page, 1 to 1000 (default 50)" };

    public Option<string?> Cursor { get; } = new("--cursor") { Description = "Continue from the 'next' cursor of an earlier page" };

    public Option<bool> All { get; } = new("--all") { Description = "Follow the cursor and print every page as one list" };

    public void AddTo(Command command)
    {
        command.Add(Limit);
        command.Add(Cursor);
        command.Add(All);
    }

    /// <summary>One page, or with <c>--all</c> every page joined (then <c>next</c> is null).</summary>
    public async Task<JsonElement> FetchAsync(
        CommandContext context, HeraldApiClient client, string path, IReadOnlyList<(string Name, string? Value)> filters, CancellationToken cancellationToken)
    {
        var all = context.Value(All);
        var limit = context.Value(Limit) ?? (all ? PageSize : null);
        var cursor = context.Value(Cursor);
        var objects = new JsonArray();
        while (true)
        {
            var query = filters.Where(f => !string.IsNullOrEmpty(f.Value)).Select(f => (f.Name, f.Value!)).ToList();
            if (limit is { } l)
            {
                query.Add(("limit", l.ToString(CultureInfo.InvariantCulture)));
            }

            if (cursor is not null)
            {
                query.Add(("cursor", cursor));
            }

            var url = query.Count == 0 ? path : path + "?" + string.Join("&", query.Select(q => $"{q.Item1}={Uri.EscapeDataString(q.Item2)}"));
            var page = await client.GetAsync(url, cancellationToken);
            if (!all)
            {
                return page;
            }

            foreach (var item in page.GetProperty("objects").EnumerateArray())
            {
                objects.Add(JsonNode.Parse(item.GetRawText()));
            }

            cursor = page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            if (cursor is null)
            {
                return JsonSerializer.SerializeToElement(new JsonObject { ["objects"] = objects, ["next"] = null });
            }
        }
    }

    /// <summary>Tells a person how to get the next page; scripts read <c>next</c> from <c>--json</c>.</summary>
    public async Task WriteNextHintAsync(CommandContext context, JsonElement page)
    {
        if (page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String)
        {
            await context.Console.Error.WriteLineAsync($"more: --cursor {next.GetString()}  (or --all)");
        }
    }
}
