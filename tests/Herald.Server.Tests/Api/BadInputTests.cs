using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>
/// Bad input over every route, one table: each request must get its status, a JSON error naming
/// the field (iconik's <c>{"errors": [...]}</c> on the iconik routes) and leave stored state as it
/// was. In bodies, <c>&lt;FF&gt;</c> stands for a raw 0xFF byte (invalid UTF-8).
/// </summary>
public sealed class BadInputTests(BadInputTests.Seeded seeded) : IClassFixture<BadInputTests.Seeded>
{
    private const string Hook = """ "event_type":"assets","url":"https://example.com/h" """;
    private const string Oauth = """ "type":"oauth2","grant_type":"client_credentials","client_id":"c","client_secret":"s" """;
    private const string Evt = """ "event_type":"assets","operation":"update" """;
    private const string Iconik = "API/notifications/v1/webhooks/";

    public enum Who
    {
        Admin,
        Tenant,
        Iconik,
    }

    /// <summary>One bad request: who sends it, what, and the status and field the error must name.</summary>
    public sealed record Case(Who Who, string Method, string Path, string? Body, int Status, string Field, string? Header = null)
    {
        public override string ToString() => $"{Method} {Path} {Body} → {Status} {Field}";
    }

    public static TheoryData<Case> Cases()
    {
        var data = new TheoryData<Case>();
        void Add(string method, string path, string? body, int status, string field, Who who = Who.Admin, string? header = null) =>
            data.Add(new Case(who, method, path, body, status, field, header));
        void Webhook(string extra, string field) => Add("POST", "api/v1/webhooks", "{" + Hook + ", " + extra + "}", 400, field);

        // POST /api/v1/webhooks: wrong types, wrong values, header-unsafe text, SSRF.
        Webhook("\"timeout_seconds\":\"30\"", "timeout_seconds");
        Webhook("\"timeout_seconds\":0", "timeout_seconds");
        Webhook("\"timeout_seconds\":1.5", "timeout_seconds");
        Webhook("\"timeout_seconds\":true", "timeout_seconds");
        Webhook("\"retry_schedule\":[\"5\"]", "retry_schedule[0]");
        Webhook("\"retry_schedule\":[5,{}]", "retry_schedule[1]");
        Webhook("\"retry_schedule\":\"5\"", "retry_schedule");
        Webhook("\"retry_schedule\":[-1]", "retry_schedule[0]");
        Webhook("\"max_concurrency\":\"5\"", "max_concurrency");
        Webhook("\"max_concurrency\":0", "max_concurrency");
        Webhook("\"rate_limit\":\"1\"", "rate_limit");
        Webhook("\"rate_limit\":[1]", "rate_limit");
        Webhook("\"payload\":{\"body\":5}", "payload.body");
        Webhook("\"payload\":{\"body\":\"xml\"}", "payload.body");
        Webhook("\"payload\":\"data\"", "payload");
        Webhook("\"payload\":{\"fields\":\"a\"}", "payload.fields");
        Webhook("\"payload\":{\"fields\":[5]}", "payload.fields[0]");
        Webhook("\"ordering\":5", "ordering");
        Webhook("\"ordering\":{\"by\":\"object\"}", "ordering");
        Webhook("\"ordering\":\"random\"", "ordering");
        Webhook("\"auth\":{\"type\":5}", "auth.type");
        Webhook("\"auth\":\"basic\"", "auth.type");
        Webhook("\"auth\":{\"type\":\"basic\"}", "auth.username");
        Webhook("\"auth\":{\"type\":\"basic\",\"username\":5,\"password\":\"p\"}", "auth.username");
        Webhook("\"auth\":{\"type\":\"bearer\"}", "auth.token");
        Webhook("\"auth\":{\"type\":\"bearer\",\"token\":\"t\\r\\nX-Injected: 1\"}", "auth.token");
        Webhook("\"auth\":{" + Oauth + ", \"token_url\":\"http://user:pass@example.com/t\"}", "auth.token_url");
        Webhook("\"auth\":{" + Oauth + ", \"token_url\":\"http://169.254.169.254/t\"}", "auth.token_url");
        Webhook("\"auth\":{" + Oauth + ", \"token_url\":5}", "auth.token_url");
        Webhook("\"url\":5", "url");
        Webhook("\"url\":\"ftp://example.com/\"", "url");
        Webhook("\"url\":\"http://user:pass@example.com/\"", "url");
        Webhook("\"url\":\"http://[::a9fe:a9fe]/\"", "url");
        Webhook("\"url\":\"http://[::ffff:0:a9fe:a9fe]/\"", "url");
        Webhook("\"url\":\"http://169.254.169.254./\"", "url");
        Webhook("\"operation\":\"explode\"", "operation");
        Webhook("\"operation\":5", "operation");
        Webhook("\"realm\":\"m\u00e9tadonn\u00e9es\"", "realm");
        Webhook("\"realm\":\"a\\r\\nX-Injected: 1\"", "realm");
        Webhook("\"realm\":5", "realm");
        Webhook("\"name\":5", "name");
        Webhook("\"query\":\"data.x ==\"", "query");
        Webhook("\"query\":5", "query");
        Webhook("\"status\":\"FAILING\"", "status");
        Webhook("\"status\":5", "status");
        Webhook("\"headers\":{\"X-A\":5}", "headers.X-A");
        Webhook("\"headers\":{\"X-A\":\"caf\u00e9\"}", "headers.X-A");
        Webhook("\"headers\":{\"Content-Type\":\"text/plain\"}", "headers.Content-Type");
        Webhook("\"headers\":[]", "headers");
        Webhook("\"secret\":\"nope\"", "secret");
        Webhook("\"secret\":5", "secret");
        Webhook("\"description\":\"a<FF>b\"", "description");
        Webhook("\"na<FF>me\":\"x\"", "$");
        Add("POST", "api/v1/webhooks", """{"url":"https://example.com/h"}""", 400, "event_type");
        Add("POST", "api/v1/webhooks", """{"event_type":5,"url":"https://example.com/h"}""", 400, "event_type");
        Add("POST", "api/v1/webhooks", """{"event_type":"as<FF>sets","url":"https://example.com/h"}""", 400, "event_type");
        Add("POST", "api/v1/webhooks", """{"event_type":"assets"}""", 400, "url");
        Add("POST", "api/v1/webhooks", """{"event_type":"assets","hostname":"example.com","path":5}""", 400, "path");
        Add("POST", "api/v1/webhooks", """{"event_type":"assets","hostname":5}""", 400, "hostname");
        Add("POST", "api/v1/webhooks", """{"event_type":"assets","hostname":"169.254.169.254"}""", 400, "hostname");
        Add("POST", "api/v1/webhooks", "[]", 400, "$");
        Add("POST", "api/v1/webhooks", "not json", 400, "$");
        Add("POST", "api/v1/webhooks", string.Empty, 400, "$");
        Add("POST", "api/v1/webhooks", "{" + Hook + """, "headers":{"Authorization":"x"},"auth":{"type":"bearer","token":"t"}}""", 400, "headers.Authorization");

        // Listing, and one webhook by id.
        Add("GET", "api/v1/webhooks?cursor=zzzz", null, 400, "cursor");
        Add("GET", "api/v1/webhooks?cursor=01A23436-1176-7F73-BD2D-B90AD00ADBB8", null, 400, "cursor");
        Add("GET", "api/v1/webhooks?cursor=' OR 1=1 --", null, 400, "cursor");
        Add("GET", "api/v1/webhooks?limit=0", null, 400, "limit");
        Add("GET", "api/v1/webhooks?limit=abc", null, 400, "limit");
        Add("GET", "api/v1/webhooks/nope", null, 404, "webhook");
        Add("PUT", "api/v1/webhooks/{webhook}", """{"event_type":"assets","url":"https://example.com/h","timeout_seconds":"30"}""", 400, "timeout_seconds");
        Add("PUT", "api/v1/webhooks/{webhook}", """{"url":"https://example.com/h"}""", 400, "event_type");
        Add("PATCH", "api/v1/webhooks/{webhook}", """{"retry_schedule":["5"]}""", 400, "retry_schedule[0]");
        Add("PATCH", "api/v1/webhooks/{webhook}", """{"ordering":5}""", 400, "ordering");
        Add("PATCH", "api/v1/webhooks/{webhook}", """{"auth":{"type":5}}""", 400, "auth.type");
        Add("PATCH", "api/v1/webhooks/{webhook}", """{"payload":{"body":5}}""", 400, "payload.body");
        Add("PATCH", "api/v1/webhooks/{webhook}", """{"max_concurrency":"5"}""", 400, "max_concurrency");
        Add("PATCH", "api/v1/webhooks/{webhook}", """{"rate_limit":"1"}""", 400, "rate_limit");
        Add("PATCH", "api/v1/webhooks/{webhook}", """{"event_type":""}""", 400, "event_type");
        Add("PATCH", "api/v1/webhooks/{webhook}", """{"event_type":"a<FF>"}""", 400, "event_type");
        Add("PATCH", "api/v1/webhooks/{webhook}", """{"url":"http://[::ffff:0:a9fe:a9fe]/"}""", 400, "url");
        Add("PATCH", "api/v1/webhooks/{webhook}", """{"realm":"a\nb"}""", 400, "realm");
        Add("PATCH", "api/v1/webhooks/{webhook}", "5", 400, "$");
        Add("PATCH", "api/v1/webhooks/nope", """{"name":"x"}""", 404, "webhook");
        Add("DELETE", "api/v1/webhooks/nope", null, 404, "webhook");
        Add("POST", "api/v1/webhooks/{webhook}/secret/rotate", """{"grace_seconds":"1d"}""", 400, "grace_seconds");
        Add("POST", "api/v1/webhooks/{webhook}/secret/rotate", """{"grace_seconds":-1}""", 400, "grace_seconds");
        Add("POST", "api/v1/webhooks/{webhook}/secret/rotate", "[1]", 400, "$");
        Add("POST", "api/v1/webhooks/nope/secret/rotate", "{}", 404, "webhook");

        // POST /api/v1/events.
        Add("POST", "api/v1/events", """{"event_type":5,"operation":"update","data":{}}""", 400, "event_type");
        Add("POST", "api/v1/events", """{"event_type":"as<FF>sets","operation":"update","data":{}}""", 400, "event_type");
        Add("POST", "api/v1/events", "{" + Evt + """, "data":{"ti<FF>tle":"x"}}""", 400, "data");
        Add("POST", "api/v1/events", "{" + Evt + """, "data":{"title":"a<FF>"}}""", 400, "data.title");
        Add("POST", "api/v1/events", "{" + Evt + """, "data":{"list":[1,"\ud800"]}}""", 400, "data.list[1]");
        Add("POST", "api/v1/events", "{" + Evt + """, "request_id":"r<FF>", "data":{}}""", 400, "request_id");
        Add("POST", "api/v1/events", "{" + Evt + """, "realm":"m\u00e9tadonn\u00e9es", "data":{}}""", 400, "realm");
        Add("POST", "api/v1/events", "{" + Evt + """, "realm":"a\r\nX-Injected: 1", "data":{}}""", 400, "realm");
        Add("POST", "api/v1/events", "{" + Evt + """, "realm":"a\u0000", "data":{}}""", 400, "realm");
        Add("POST", "api/v1/events", "{" + Evt + """, "system_domain_id":5, "data":{}}""", 400, "system_domain_id");
        Add("POST", "api/v1/events", "[{" + Evt + """, "data":{}}, {"event_type":"assets","operation":"explode","data":{}}]""", 400, "[1].operation");
        Add("POST", "api/v1/events", "[{" + Evt + """, "data":{}}, {""" + Evt + """, "data":{"k":"<FF>"}}]""", 400, "[1].data.k");
        Add("POST", "api/v1/events", "{" + Evt + """, "data":[1]}""", 400, "data");
        Add("POST", "api/v1/events", """{"event_type":"","operation":"update","data":{}}""", 400, "event_type");
        Add("POST", "api/v1/events", "{" + Evt + """, "data":{}}""", 400, "headers.Idempotency-Key", header: new string('k', 256));

        // Deliveries and recovery.
        Add("GET", "api/v1/deliveries?cursor=zzzz", null, 400, "cursor");
        Add("GET", "api/v1/deliveries?cursor=%FF", null, 400, "cursor");
        Add("GET", "api/v1/deliveries?status=bogus", null, 400, "status");
        Add("GET", "api/v1/deliveries?limit=5000", null, 400, "limit");
        Add("GET", "api/v1/deliveries/nope", null, 404, "delivery");
        Add("POST", "api/v1/deliveries/nope/retry", null, 404, "delivery");
        Add("POST", "api/v1/deliveries/nope/cancel", null, 404, "delivery");
        Add("POST", "api/v1/webhooks/nope/deliveries/cancel", null, 404, "webhook");
        Add("POST", "api/v1/webhooks/nope/deliveries/retry", null, 404, "webhook");

        // Replays.
        Add("POST", "api/v1/webhooks/{webhook}/replay", "{}", 400, "since");
        Add("POST", "api/v1/webhooks/{webhook}/replay", """{"since":5}""", 400, "since");
        Add("POST", "api/v1/webhooks/{webhook}/replay", """{"since":"yesterday"}""", 400, "since");
        Add("POST", "api/v1/webhooks/{webhook}/replay", """{"since":"2025-01-01T00:00:00Z","until":5}""", 400, "until");
        Add("POST", "api/v1/webhooks/{webhook}/replay", """{"since":"2025-01-01T00:00:00Z","only_failed":"yes"}""", 400, "only_failed");
        Add("POST", "api/v1/webhooks/{webhook}/replay", """{"since":"2999-01-01T00:00:00Z"}""", 400, "since");
        Add("POST", "api/v1/webhooks/{webhook}/replay", "[]", 400, "$");
        Add("POST", "api/v1/webhooks/nope/replay", """{"since":"2025-01-01T00:00:00Z"}""", 404, "webhook");
        Add("GET", "api/v1/replays/nope", null, 404, "replay");
        Add("DELETE", "api/v1/replays/nope", null, 404, "replay");

        // Keys.
        Add("POST", "api/v1/keys", "{}", 400, "domain_id");
        Add("POST", "api/v1/keys", """{"domain_id":5}""", 400, "domain_id");
        Add("POST", "api/v1/keys", """{"domain_id":"d<FF>"}""", 400, "domain_id");
        Add("POST", "api/v1/keys", """{"domain_id":"d","name":5}""", 400, "name");
        Add("POST", "api/v1/keys", "[]", 400, "$");
        Add("POST", "api/v1/keys", """{"domain_id":"d"}""", 403, "headers.Authorization", Who.Tenant);
        Add("DELETE", "api/v1/keys/nope", null, 404, "key");

        // Query.
        Add("POST", "api/v1/query/validate", "{}", 400, "query");
        Add("POST", "api/v1/query/validate", """{"query":5}""", 400, "query");
        Add("POST", "api/v1/query/validate", "[]", 400, "query");
        Add("POST", "api/v1/query/test", """{"query":"data.a = 1"}""", 400, "event");
        Add("POST", "api/v1/query/test", """{"query":"data.a = 1","event":5}""", 400, "event");
        Add("POST", "api/v1/query/test", """{"query":"data.a ==","event":{}}""", 400, "query");
        Add("POST", "api/v1/query/test", """{"query":"data.a = 1","event":{"k<FF>":1}}""", 400, "event");

        // iconik's routes: the field is named in the error text.
        void IconikPost(string extra, string field) => Add("POST", Iconik, "{" + Hook + ", " + extra + "}", 400, field, Who.Iconik);
        IconikPost("\"timeout_seconds\":\"30\"", "timeout_seconds");
        IconikPost("\"realm\":\"m\u00e9tadonn\u00e9es\"", "realm");
        IconikPost("\"headers\":{\"X-A\":\"a\\r\\nb\"}", "headers.X-A");
        IconikPost("\"url\":\"http://[::127.0.0.1]/\"", "url");
        IconikPost("\"ordering\":5", "ordering");
        IconikPost("\"system_domain_id\":5", "system_domain_id");
        Add("POST", Iconik, """{"event_type":"as<FF>sets","url":"https://example.com/h"}""", 400, "event_type", Who.Iconik);
        Add("POST", Iconik, """{"event_type":"assets"}""", 400, "url", Who.Iconik);
        Add("POST", Iconik, "[]", 400, "object", Who.Iconik);
        Add("POST", Iconik, "not json", 400, "malformed JSON", Who.Iconik);
        Add("PUT", Iconik + "{webhook}/", """{"retry_schedule":["5"]}""", 400, "retry_schedule[0]", Who.Iconik);
        Add("PUT", Iconik + "{webhook}/", """{"auth":{"type":5}}""", 400, "auth.type", Who.Iconik);
        Add("PUT", Iconik + "nope/", "{}", 404, "not found", Who.Iconik);
        Add("GET", Iconik + "nope/", null, 404, "not found", Who.Iconik);
        Add("DELETE", Iconik + "nope/", null, 404, "not found", Who.Iconik);
        Add("GET", Iconik + "?page=0", null, 400, "page", Who.Iconik);
        Add("GET", Iconik + "?per_page=abc", null, 400, "per_page", Who.Iconik);

        // Wrong methods on known routes and unknown routes answer JSON too.
        Add("DELETE", "api/v1/events", null, 405, "method");
        Add("PUT", "api/v1/deliveries", null, 405, "method");
        Add("GET", "api/v1/keys", null, 405, "method");
        Add("GET", "api/v1/nothing", null, 404, "url");
        Add("POST", "api/v1/webhooks/{webhook}/nothing", "{}", 404, "url");
        Add("PATCH", Iconik, "{}", 405, "PATCH", Who.Iconik);
        Add("GET", "API/notifications/v1/nothing", null, 404, "no route", Who.Iconik);
        return data;
    }

    [Fact]
    public void Cases_CoverAtLeastEightyRequests()
    {
        Assert.True(Cases().Count >= 80, $"only {Cases().Count} cases");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Request_BadInput_AnswersJsonErrorNamingTheFieldAndChangesNothing(Case bad)
    {
        ArgumentNullException.ThrowIfNull(bad);
        var before = await seeded.SnapshotAsync();

        using var response = await seeded.SendAsync(bad);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode == bad.Status, $"answered {(int)response.StatusCode}, expected {bad.Status}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var root = JsonDocument.Parse(text).RootElement;
        if (bad.Who == Who.Iconik)
        {
            var message = root.GetProperty("errors")[0].GetString()!;
            Assert.Contains(bad.Field, message, StringComparison.Ordinal);
        }
        else
        {
            var error = root.GetProperty("error");
            if (bad.Status == 404 && bad.Field != "url")
            {
                // An unknown id: the message names what was not found (the id is in the URL, not the body).
                Assert.Contains($"{bad.Field} not found", error.GetProperty("message").GetString(), StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(bad.Field, error.GetProperty("path").GetString());
                Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
            }
        }

        Assert.Equal(before, await seeded.SnapshotAsync());
    }

    /// <summary>One Herald with a paused webhook, one pending delivery and a domain key, shared by every case.</summary>
    public sealed class Seeded : IAsyncLifetime
    {
        private HeraldHost _herald = null!;
        private string _tenantKey = string.Empty;
        private string _webhookId = string.Empty;

        public async Task InitializeAsync()
        {
            _herald = await HeraldHost.StartAsync();
            _webhookId = (await _herald.Client.CreateWebhookAsync(new
            {
                event_type = "assets", url = "https://example.com/h", status = "PAUSED",
                auth = new { type = "basic", username = "u", password = "p" },
            })).GetProperty("id").GetString()!;
            await _herald.Client.PublishAsync("""{"event_type":"assets","operation":"update","data":{}}""");
            var key = await _herald.Client.JsonAsync(HttpMethod.Post, "api/v1/keys", """{"domain_id":"tenant-a"}""", HttpStatusCode.Created);
            _tenantKey = key.GetProperty("key").GetString()!;
        }

        public async Task DisposeAsync() => await _herald.DisposeAsync();

        /// <summary>Everything a bad request could have changed: webhooks (both APIs) and deliveries with their attempts.</summary>
        public async Task<string> SnapshotAsync()
        {
            var parts = new List<string>
            {
                await RawAsync("api/v1/webhooks?limit=1000"),
                await RawAsync("api/v1/deliveries?limit=1000"),
            };
            var deliveries = JsonDocument.Parse(parts[1]).RootElement.GetProperty("objects");
            foreach (var delivery in deliveries.EnumerateArray())
            {
                parts.Add(await RawAsync($"api/v1/deliveries/{delivery.GetProperty("id").GetString()}"));
            }

            return string.Join("\n", parts);
        }

        public Task<HttpResponseMessage> SendAsync(Case bad)
        {
            var request = new HttpRequestMessage(new HttpMethod(bad.Method), bad.Path.Replace("{webhook}", _webhookId, StringComparison.Ordinal));
            switch (bad.Who)
            {
                case Who.Iconik:
                    request.Headers.Add("Auth-Token", HeraldHost.AdminKey);
                    break;
                case Who.Tenant:
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _tenantKey);
                    break;
                default:
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", HeraldHost.AdminKey);
                    break;
            }

            if (bad.Header is not null)
            {
                request.Headers.Add("Idempotency-Key", bad.Header);
            }

            if (bad.Body is not null)
            {
                request.Content = new ByteArrayContent(Bytes(bad.Body));
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }

            return _herald.Client.Http.SendAsync(request);
        }

        private async Task<string> RawAsync(string path)
        {
            using var response = await _herald.Client.SendAsync(HttpMethod.Get, path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }

        private static byte[] Bytes(string body)
        {
            var parts = body.Split("<FF>");
            var bytes = new List<byte>();
            for (var i = 0; i < parts.Length; i++)
            {
                if (i > 0)
                {
                    bytes.Add(0xFF);
                }

                bytes.AddRange(Encoding.UTF8.GetBytes(parts[i]));
            }

            return [.. bytes];
        }
    }
}
