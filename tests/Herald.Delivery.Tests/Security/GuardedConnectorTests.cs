using System.Net;
using System.Net.Sockets;
using Herald.Delivery.Security;

namespace Herald.Delivery.Tests.Security;

/// <summary>
/// The connect-time half of the SSRF guard, with a name that resolves to a refused and an allowed
/// address — both listening — so a connector that tried every resolved address would be caught.
/// </summary>
public sealed class GuardedConnectorTests
{
    // 127.0.0.0/8 is all loopback on Linux: 127.0.0.2 is a second listener, refused by the policy.
    private static readonly IPAddress Allowed = IPAddress.Parse("127.0.0.1");
    private static readonly IPAddress Refused = IPAddress.Parse("127.0.0.2");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ConnectAsync_NameResolvingToRefusedAndAllowed_DialsOnlyTheAllowedAddress(bool refusedFirst)
    {
        using var refusedListener = Listen(Refused, 0);
        var port = ((IPEndPoint)refusedListener.LocalEndpoint).Port;
        using var allowedListener = Listen(Allowed, port);
        var resolved = refusedFirst ? new[] { Refused, Allowed } : [Allowed, Refused];
        var connector = new GuardedConnector(NetworkPolicy.Parse("127.0.0.1/32"), (host, _) => Task.FromResult(host == "both.test" ? resolved : []));

        await using var stream = await connector.ConnectAsync(new DnsEndPoint("both.test", port), CancellationToken.None);

        using var accepted = await allowedListener.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Allowed, ((IPEndPoint)accepted.RemoteEndPoint!).Address.MapToIPv4());
        Assert.False(refusedListener.Pending(), "the refused address was dialled");
    }

    [Fact]
    public async Task ConnectAsync_NameResolvingOnlyToRefused_ThrowsWithoutDialling()
    {
        using var refusedListener = Listen(Refused, 0);
        var port = ((IPEndPoint)refusedListener.LocalEndpoint).Port;
        var connector = new GuardedConnector(NetworkPolicy.Parse("127.0.0.1/32"), (_, _) => Task.FromResult(new[] { Refused }));

        var error = await Assert.ThrowsAsync<HttpRequestException>(async () => await connector.ConnectAsync(new DnsEndPoint("refused.test", port), CancellationToken.None));

        Assert.Contains("refused by the SSRF guard", error.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.2 (loopback)", error.Message, StringComparison.Ordinal);
        Assert.False(refusedListener.Pending());
    }

    [Fact]
    public async Task ConnectAsync_LiteralWithTrailingDot_JudgedAsTheAddress()
    {
        using var listener = Listen(Allowed, 0);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var resolverCalls = 0;
        var connector = new GuardedConnector(NetworkPolicy.PublicOnly, (_, _) =>
        {
            resolverCalls++;
            return Task.FromResult(new[] { IPAddress.Parse("8.8.8.8") });
        });

        var error = await Assert.ThrowsAsync<HttpRequestException>(async () => await connector.ConnectAsync(new DnsEndPoint("127.0.0.1.", port), CancellationToken.None));

        Assert.Contains("loopback", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, resolverCalls);
        Assert.False(listener.Pending());
    }

    private static TcpListener Listen(IPAddress address, int port)
    {
        var listener = new TcpListener(address, port);
        listener.Start();
        return listener;
    }
}
