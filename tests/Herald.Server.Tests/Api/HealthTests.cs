using System.Net;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Api;

public sealed class HealthTests
{
    [Fact]
    public async Task HealthAndReady_NoKeyNeeded_Return200()
    {
        await using var herald = await HeraldHost.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl) };

        using var health = await http.GetAsync("/healthz");
        using var ready = await http.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Ready_DatabaseGone_Returns503()
    {
        await using var herald = await HeraldHost.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl) };
        var folder = Path.GetDirectoryName(herald.DatabasePath)!;

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        // The running host may still add a file (-wal, -shm) while the folder is being removed.
        await Eventually.TrueAsync(
            () =>
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (IOException)
                {
                }

                return Task.FromResult(!Directory.Exists(folder));
            },
            TimeSpan.FromSeconds(10),
            "the database folder to be gone");
        using var ready = await http.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }
}
