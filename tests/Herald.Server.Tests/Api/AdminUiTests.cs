using System.Net;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

/// <summary>The admin UI's files, served from the assembly without a key.</summary>
public sealed class AdminUiTests
{
    [Theory]
    [InlineData("/", "text/html", "<title>Herald</title>")]
    [InlineData("/index.html", "text/html", "<title>Herald</title>")]
    [InlineData("/js/main.js", "text/javascript", "ui/session")]
    [InlineData("/app.css", "text/css", "table")]
    public async Task Get_UiFile_ServedWithStrictPolicy(string path, string contentType, string content)
    {
        await using var herald = await HeraldHost.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl) };

        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(content, text, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }
}
