using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests.Api;

/// <summary>An exception no route expected still answers JSON, in the route's shape, without its text.</summary>
public sealed class ErrorResponseTests
{
    private const string Secret = "/var/secret/path-in-exception";

    [Fact]
    public async Task Route_UnexpectedException_Answers500JsonWithoutTheExceptionText()
    {
        var clock = new ArmedClock();
        await using var herald = await HeraldHost.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        clock.Armed = true;
        try
        {
            using (var response = await herald.Client.SendAsync(HttpMethod.Post, "api/v1/webhooks", """{"event_type":"assets","url":"http://127.0.0.1:9/x"}"""))
            {
                var text = await response.Content.ReadAsStringAsync();
                Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
                Assert.Equal("internal error; see the server log", JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("message").GetString());
                Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
            }

            using var iconik = new IconikClient(herald.BaseUrl, HeraldHost.AdminKey);
            var (status, body) = await iconik.SendAsync(HttpMethod.Post, IconikClient.Webhooks, """{"event_type":"assets","url":"http://127.0.0.1:9/x"}""");
            Assert.Equal(HttpStatusCode.InternalServerError, status);
            Assert.Equal("internal error; see the server log", body.GetProperty("errors")[0].GetString());
        }
        finally
        {
            clock.Armed = false;
        }
    }

    /// <summary>The system clock, until armed: then reading it throws, as a bug would.</summary>
    private sealed class ArmedClock : TimeProvider
    {
        public volatile bool Armed;

        public override DateTimeOffset GetUtcNow() => Armed ? throw new InvalidOperationException("boom at " + Secret) : System.GetUtcNow();
    }
}
