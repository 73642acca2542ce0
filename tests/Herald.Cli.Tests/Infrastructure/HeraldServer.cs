using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Herald.Cli.Tests.Infrastructure;

/// <summary>
/// The real Herald server as a process (<c>dotnet Herald.Server.dll --urls ...</c>) on a database file of its own,
/// configured only through the contract's environment variables. Loopback targets are allowed explicitly.
/// </summary>
public sealed class HeraldServer : IAsyncDisposable
{
    public const string AdminKey = "hk_cli_tests_admin_key_0123456789";

    private readonly ChildProcess _process;
    private readonly string _directory;

    private HeraldServer(ChildProcess process, string url, string directory)
    {
        _process = process;
        _directory = directory;
        Url = url;
        Http = new HttpClient { BaseAddress = new Uri(url + "/") };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    }

    public string Url { get; }

    /// <summary>An admin client for checks the tests make without the CLI.</summary>
    public HttpClient Http { get; }

    /// <summary>HERALD_URL and HERALD_KEY for the CLI.</summary>
    public IReadOnlyDictionary<string, string> CliEnvironment => new Dictionary<string, string> { ["HERALD_URL"] = Url, ["HERALD_KEY"] = AdminKey };

    public static async Task<HeraldServer> StartAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var directory = Built.TempDirectory();
            var port = ChildProcess.FreePort();
            var url = $"http://127.0.0.1:{port}";
            var process = ChildProcess.Start(
                Built.HeraldServerDll,
                ["--urls", url],
                new Dictionary<string, string>
                {
                    ["HERALD_DATABASE"] = Path.Combine(directory, "herald.db"),
                    ["HERALD_ADMIN_KEY"] = AdminKey,
                    ["HERALD_ALLOWED_NETWORKS"] = "127.0.0.0/8",
                    ["Logging__LogLevel__Default"] = "Warning",
                },
                directory);
            var server = new HeraldServer(process, url, directory);
            try
            {
                await server.WaitUntilHealthyAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Most likely the port was taken between choosing and binding it: try another.
                await server.DisposeAsync();
            }
        }
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await Http.GetAsync(path.TrimStart('/'));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> PostAsync(string path, string json, HttpStatusCode expected)
    {
        using var response = await Http.PostAsync(path.TrimStart('/'), new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The deliveries of one webhook (optionally for one object), newest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> DeliveriesAsync(string webhookId, string? objectId = null)
    {
        var query = $"api/v1/deliveries?webhook_id={Uri.EscapeDataString(webhookId)}&limit=1000"
            + (objectId is null ? string.Empty : $"&object_id={Uri.EscapeDataString(objectId)}");
        return [.. (await GetAsync(query)).GetProperty("objects").EnumerateArray()];
    }

    /// <summary>Waits until every delivery of the webhook (for the object) has succeeded, and at least <paramref name="count"/> exist.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForSucceededAsync(string webhookId, string? objectId, int count)
    {
        IReadOnlyList<JsonElement> deliveries = [];
        try
        {
            await Eventually.TrueAsync(
                async () =>
                {
                    deliveries = await DeliveriesAsync(webhookId, objectId);
                    return deliveries.Count >= count && deliveries.All(d => d.GetProperty("status").GetString() == "succeeded");
                },
                $"{count} succeeded deliveries of webhook {webhookId} for {objectId ?? "any object"}");
        }
        catch (TimeoutException exception)
        {
            var details = await Task.WhenAll(deliveries.Select(d => GetAsync($"api/v1/deliveries/{d.GetProperty("id").GetString()}")));
            throw new TimeoutException($"{exception.Message}; the deliveries:\n{string.Join('\n', details.Select(d => d.GetRawText()))}", exception);
        }

        return deliveries;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open: the temp folder is cleaned by the OS eventually.
        }
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var probe = new HttpClient { BaseAddress = Http.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.TrueAsync(
            async () =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"Herald exited during start:\n{_process.Describe()}");
                }

                try
                {
                    using var response = await probe.GetAsync("healthz");
                    return response.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                catch (TaskCanceledException)
                {
                    return false;
                }
            },
            "Herald to answer /healthz",
            TimeSpan.FromSeconds(60));
    }
}
