using System.Net;
using System.Net.Sockets;

namespace Herald.Delivery.Security;

/// <summary>
/// The SSRF guard at send time: resolves the host itself, drops every address the policy refuses
/// and connects only to a checked address — so a name that resolves (or re-resolves, DNS
/// rebinding) to an internal address is never reached.
/// </summary>
public sealed class GuardedConnector(NetworkPolicy policy, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
{
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve = resolve ?? Dns.GetHostAddressesAsync;

    public ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ConnectAsync(context.DnsEndPoint, cancellationToken);
    }

    /// <summary>Resolves <paramref name="endpoint"/>'s host (through the resolver given, DNS by default) and dials only allowed addresses.</summary>
    public async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        // "127.0.0.1." is the same address as "127.0.0.1": a trailing dot only marks a name as absolute.
        var host = endpoint.Host.TrimEnd('.');
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await _resolve(host, cancellationToken);
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
            await socket.ConnectAsync(allowed.ToArray(), endpoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
