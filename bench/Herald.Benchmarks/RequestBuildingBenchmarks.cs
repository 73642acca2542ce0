using System.Text;
using BenchmarkDotNet.Attributes;
using Herald.Core.Deliveries;
using Herald.Core.Webhooks;
using Herald.Delivery.Auth;
using Herald.Delivery.Http;
using Herald.Signing;
using Herald.Storage;

namespace Herald.Benchmarks;

/// <summary>
/// What Herald's own code does per attempt before the HTTP client takes over: the Authorization
/// value, then the signed request of PRODUCT.md §4 (custom headers checked, both signatures,
/// trace context), for a webhook with two custom headers, Basic credentials and one or two
/// secrets (two during rotation). Public API only, so the same file runs against an older build.
/// </summary>
[MemoryDiagnoser]
public class RequestBuildingBenchmarks
{
    private static readonly ClaimedDelivery Delivery = new(
        "01a2343c-0bca-7a51-a058-f34a202e3e80", "01a2343c-0ae8-724b-9cfe-3c1f2ce2c2fe", "01a2343c-0b5e-7f1a-8a3f-2b7c1d9e4f60", "42", 0,
        "assets.proxies.update", Encoding.UTF8.GetBytes("{\"data\":\"" + new string('x', 1000) + "\"}"), DateTimeOffset.UtcNow.AddMinutes(5),
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null);

    private readonly HttpClient _client = new();
    private OutboundAuthenticator _authenticator = null!;
    private Webhook _webhook = null!;

    [Params(1, 2)]
    public int Secrets { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _authenticator = new OutboundAuthenticator(new OAuthTokenCache(_client, TimeProvider.System));
        _webhook = new Webhook
        {
            Id = Delivery.WebhookId,
            Url = "http://127.0.0.1:5000/hooks/assets?tenant=7",
            EventType = "assets",
            Headers = new Dictionary<string, string> { ["X-Team"] = "media-platform", ["X-Env"] = "production" },
            Auth = new WebhookAuth { Type = WebhookAuth.Basic, Username = "herald", Password = "s3cret-password" },
            Secrets = [.. Enumerable.Range(0, Secrets).Select(i => new WebhookSecretEntry(WebhookSecret.Generate(), i == 0 ? null : DateTimeOffset.UtcNow.AddDays(1)))],
        };
    }

    [GlobalCleanup]
    public void Cleanup() => _client.Dispose();

    [Benchmark]
    public async Task<int> BuildRequest()
    {
        var authorization = await _authenticator.AuthorizationAsync(_webhook, CancellationToken.None);
        using var request = WebhookRequestFactory.Create(_webhook, Delivery, 2, DateTimeOffset.UtcNow, Delivery.Body, authorization);
        return request.Headers.NonValidated.Count;
    }
}
