using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Receiver.Tests.AspNetCore;

/// <summary>A real Kestrel server on 127.0.0.1 with a port chosen by the OS, and a client for it.</summary>
internal sealed class ReceiverServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private ReceiverServer(WebApplication app, Uri address)
    {
        this.app = app;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(20) };
    }

    public HttpClient Client { get; }

    public static async Task<ReceiverServer> StartAsync(
        Action<IEndpointRouteBuilder> map, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--urls", "http://127.0.0.1:0"] });
        builder.Logging.ClearProviders();
        configure?.Invoke(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var uri = new Uri(address);
        Assert.NotEqual(0, uri.Port);
        return new ReceiverServer(app, uri);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
