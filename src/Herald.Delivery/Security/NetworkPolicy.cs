using System.Net;
using System.Net.Sockets;

namespace Herald.Delivery.Security;

/// <summary>
/// Which addresses delivery may reach: public ones, plus any inside the operator's allowed
/// networks (<c>HERALD_ALLOWED_NETWORKS</c>). Loopback, private, link-local (cloud metadata),
/// multicast, CGNAT, documentation and other special-purpose ranges are refused.
/// </summary>
public sealed class NetworkPolicy
{
    private static readonly (IPNetwork Network, string Kind)[] Blocked =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared (CGNAT)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local (cloud metadata)"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "special-purpose"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation"),
        (IPNetwork.Parse("192.88.99.0/24"), "6to4 relay"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"),
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("::/96"), "IPv4-compatible (deprecated)"),
        (IPNetwork.Parse("::ffff:0:0:0/96"), "IPv4-translated (SIIT)"),
        (IPNetwork.Parse("64:ff9b::/96"), "NAT64"),
        (IPNetwork.Parse("64:ff9b:1::/48"), "NAT64 (local use)"),
        (IPNetwork.Parse("100::/64"), "discard"),
        (IPNetwork.Parse("2001::/32"), "Teredo"),
        (IPNetwork.Parse("2001:db8::/32"), "documentation"),
        (IPNetwork.Parse("2002::/16"), "6to4"),
        (IPNetwork.Parse("fc00::/7"), "private (unique local)"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    private readonly IPNetwork[] _allowed;

    public NetworkPolicy(IEnumerable<IPNetwork> allowed) => _allowed = [.. allowed];

    public static NetworkPolicy PublicOnly { get; } = new([]);

    /// <summary>Parses a comma-separated CIDR list; a bare address means just that address.</summary>
    public static NetworkPolicy Parse(string? allowedNetworks)
    {
        var networks = new List<IPNetwork>();
        foreach (var part in (allowedNetworks ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPNetwork.TryParse(part, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(part, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new FormatException($"'{part}' in HERALD_ALLOWED_NETWORKS is not a CIDR such as 127.0.0.0/8");
            }
        }

        return new NetworkPolicy(networks);
    }

    /// <summary>
    /// Null when delivery may connect to <paramref name="address"/>; else why not (e.g. "loopback").
    /// An IPv6 address that embeds an IPv4 one (IPv4-compatible <c>::a.b.c.d</c>, SIIT
    /// <c>::ffff:0:a.b.c.d</c>, NAT64 <c>64:ff9b::a.b.c.d</c>, 6to4 <c>2002:aabb:ccdd::</c>) is refused
    /// when the embedded address is, whatever the IPv6 range itself would say; IPv4-mapped
    /// <c>::ffff:a.b.c.d</c> is judged as the IPv4 address it is.
    /// </summary>
    public string? Refusal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IsAllowed(address))
        {
            return null;
        }

        if (Embedded(address) is ({ } inner, var form) && Refusal(inner) is { } why)
        {
            return $"{why}: {inner} embedded in {form}";
        }

        foreach (var (network, kind) in Blocked)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address))
            {
                return kind;
            }
        }

        return address.Equals(IPAddress.Broadcast) ? "broadcast" : null;
    }

    private bool IsAllowed(IPAddress address)
    {
        foreach (var network in _allowed)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The IPv4 address an IPv6 one carries, and the form's name; nulls when it carries none.</summary>
    private static (IPAddress? Inner, string Form) Embedded(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return (null, string.Empty);
        }

        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        var low = new IPAddress(b[12..]);
        if (b[..10].IndexOfAnyExcept((byte)0) < 0)
        {
            // ::a.b.c.d (b[10..12] == 0) and ::ffff:0:a.b.c.d are caught here only when b[10..12]
            // is 0000; ::1 and :: are listed by themselves and reach this only when allowed.
            return b[10] == 0 && b[11] == 0 && !IPAddress.IPv6Loopback.Equals(address) && !IPAddress.IPv6Any.Equals(address)
                ? (low, "an IPv4-compatible IPv6 address")
                : (null, string.Empty);
        }

        if (b[..8].IndexOfAnyExcept((byte)0) < 0 && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0)
        {
            return (low, "an IPv4-translated (SIIT) IPv6 address");
        }

        if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return (low, "a NAT64 IPv6 address");
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return (new IPAddress(b[2..6]), "a 6to4 IPv6 address");
        }

        return (null, string.Empty);
    }
}
