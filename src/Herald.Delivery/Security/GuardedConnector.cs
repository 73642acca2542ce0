using System.Net;
using System.Net.Sockets;

namespace Herald.Delivery.Security;

/// <summary>
/// The SSRF guard at send time: resolves the host itself, drops every address the policy refuses
/// and connects only to a checked address — so a name that resolves (or re-resolves, DNS
/// rebinding) to an internal address is never reached.
/// </summary>
public sealed class GuardedConnector(NetworkPolicy policy)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var refusals = new List<string>();
        var allowed = new List<IPAddress>();
        foreach (var address in addresses)
        {
            if (policy.Refusal(address) is { } why)
            {
                refusals.Add($"{address} ({why})");
            }
            else
            {
                allowed.Add(address);
            }
        }

        if (allowed.Count == 0)
        {
            throw new HttpRequestException(
                HttpRequestError.ConnectionError,
                $"refused by the SSRF guard: {host} resolves to {string.Join(", ", refusals)}, which is not public; allow it with HERALD_ALLOWED_NETWORKS");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed.ToArray(), context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
