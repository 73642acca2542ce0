using System.Net;
using Herald.Delivery.Security;

namespace Herald.Delivery.Tests.Security;

public sealed class NetworkPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.8.9.10", "loopback")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("169.254.169.254", "link-local (cloud metadata)")]
    [InlineData("100.64.0.1", "shared (CGNAT)")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fd00::1", "private (unique local)")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:10.0.0.1", "private")]
    public void Refusal_NonPublicAddress_NamesTheKind(string address, string kind)
    {
        Assert.Equal(kind, NetworkPolicy.PublicOnly.Refusal(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("::127.0.0.1", "loopback: 127.0.0.1 embedded in an IPv4-compatible IPv6 address")]
    [InlineData("::a9fe:a9fe", "link-local (cloud metadata): 169.254.169.254 embedded in an IPv4-compatible IPv6 address")]
    [InlineData("::ffff:0:a9fe:a9fe", "link-local (cloud metadata): 169.254.169.254 embedded in an IPv4-translated (SIIT) IPv6 address")]
    [InlineData("::ffff:0:10.0.0.1", "private: 10.0.0.1 embedded in an IPv4-translated (SIIT) IPv6 address")]
    [InlineData("64:ff9b::a9fe:a9fe", "link-local (cloud metadata): 169.254.169.254 embedded in a NAT64 IPv6 address")]
    [InlineData("64:ff9b::7f00:1", "loopback: 127.0.0.1 embedded in a NAT64 IPv6 address")]
    [InlineData("2002:a9fe:a9fe::1", "link-local (cloud metadata): 169.254.169.254 embedded in a 6to4 IPv6 address")]
    [InlineData("2002:7f00:1::", "loopback: 127.0.0.1 embedded in a 6to4 IPv6 address")]
    [InlineData("::8.8.8.8", "IPv4-compatible (deprecated)")]
    [InlineData("::ffff:0:8.8.8.8", "IPv4-translated (SIIT)")]
    [InlineData("64:ff9b::808:808", "NAT64")]
    [InlineData("64:ff9b:1::808:808", "NAT64 (local use)")]
    [InlineData("2002:808:808::1", "6to4")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo")]
    public void Refusal_IPv6EmbeddingIPv4_JudgedByTheEmbeddedAddressAndItsRange(string address, string kind)
    {
        Assert.Equal(kind, NetworkPolicy.PublicOnly.Refusal(IPAddress.Parse(address)));
    }

    [Fact]
    public void Refusal_EmbeddedLoopbackWithLoopbackAllowed_StillRefusedByTheTranslationRange()
    {
        var policy = NetworkPolicy.Parse("127.0.0.0/8");

        Assert.Null(policy.Refusal(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.Equal("IPv4-compatible (deprecated)", policy.Refusal(IPAddress.Parse("::127.0.0.1")));
        Assert.Equal("NAT64", policy.Refusal(IPAddress.Parse("64:ff9b::7f00:1")));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.32.0.1")]
    [InlineData("192.169.0.1")]
    [InlineData("2606:4700:4700::1111")]
    public void Refusal_PublicAddress_IsNull(string address)
    {
        Assert.Null(NetworkPolicy.PublicOnly.Refusal(IPAddress.Parse(address)));
    }

    [Fact]
    public void Parse_AllowedNetworks_OpensOnlyThoseRanges()
    {
        var policy = NetworkPolicy.Parse("127.0.0.0/8, 10.1.0.0/16,::1");

        Assert.Null(policy.Refusal(IPAddress.Parse("127.0.0.1")));
        Assert.Null(policy.Refusal(IPAddress.Parse("10.1.200.3")));
        Assert.Null(policy.Refusal(IPAddress.Parse("::1")));
        Assert.Null(policy.Refusal(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.Equal("private", policy.Refusal(IPAddress.Parse("10.2.0.1")));
        Assert.Equal("link-local (cloud metadata)", policy.Refusal(IPAddress.Parse("169.254.169.254")));
    }

    [Fact]
    public void Parse_Garbage_ThrowsNamingTheEntry()
    {
        var error = Assert.Throws<FormatException>(() => NetworkPolicy.Parse("127.0.0.0/8,not-a-cidr"));

        Assert.Contains("not-a-cidr", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EmptyOrNull_RefusesLoopback()
    {
        Assert.Equal("loopback", NetworkPolicy.Parse(null).Refusal(IPAddress.Loopback));
        Assert.Equal("loopback", NetworkPolicy.Parse(" ").Refusal(IPAddress.Loopback));
    }
}
