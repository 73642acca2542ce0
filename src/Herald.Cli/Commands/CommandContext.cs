using System.CommandLine;
using Herald.Cli.Api;
using Herald.Cli.Output;

namespace Herald.Cli.Commands;

/// <summary>What one running command needs: its parsed arguments, the console and the API.</summary>
internal sealed class CommandContext(ParseResult parseResult, CliConsole console, GlobalOptions globals)
{
    public ParseResult ParseResult { get; } = parseResult;

    public CliConsole Console { get; } = console;

    public bool Json { get; } = parseResult.GetValue(globals.Json);

    public OutputWriter Out { get; } = new(console.Output, parseResult.GetValue(globals.Json));

    public T? Value<T>(Option<T> option) => ParseResult.GetValue(option);

    public T? Value<T>(Argument<T> argument) => ParseResult.GetValue(argument);

    /// <summary>A client for the Herald the flags or environment point at. Bad settings are usage errors.</summary>
    public HeraldApiClient CreateClient()
    {
        var url = FirstNonEmpty(ParseResult.GetValue(globals.Url), Console.Environment(GlobalOptions.UrlVariable)) ?? GlobalOptions.DefaultUrl;
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseUrl)
            || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw CliException.Usage($"the Herald URL must be an absolute http or https URL, not '{url}'");
        }

        var key = FirstNonEmpty(ParseResult.GetValue(globals.Key), Console.Environment(GlobalOptions.KeyVariable))
            ?? throw CliException.Usage($"no API key: pass --key or set {GlobalOptions.KeyVariable}");
        return new HeraldApiClient(baseUrl, key, TimeSpan.FromSeconds(30));
    }

    private static string? FirstNonEmpty(string? first, string? second) =>
        !string.IsNullOrWhiteSpace(first) ? first.Trim() : !string.IsNullOrWhiteSpace(second) ? second.Trim() : null;
}
