using System.Net;
using System.Net.Sockets;

namespace BillingFunctions.Contract.Webhooks;

/// <summary>
/// Addresses a cut-off call must not reach unless the operator said so: loopback, private, carrier-grade NAT,
/// link-local (cloud metadata lives there), unique-local, unspecified, multicast and reserved ranges, for IPv4
/// and IPv6, including IPv4 addresses wrapped in IPv6 (mapped, compatible, NAT64).
/// </summary>
public static class PrivateAddresses
{
    public static bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            return Contains(address.MapToIPv4());
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return IsPrivateV4(address.GetAddressBytes());
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return true; // not an IP address we know how to judge: refuse
        var bytes = address.GetAddressBytes();
        if (IPAddress.IPv6Loopback.Equals(address) || IPAddress.IPv6None.Equals(address) || address.IsIPv6LinkLocal
            || address.IsIPv6SiteLocal || address.IsIPv6Multicast || (bytes[0] & 0xFE) == 0xFC)
            return true;
        // ::a.b.c.d (IPv4-compatible) and 64:ff9b::a.b.c.d (NAT64) carry an IPv4 address in their last four bytes.
        var compatible = bytes.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0;
        var nat64 = bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B && bytes.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0;
        return (compatible || nat64) && IsPrivateV4(bytes[12..]);
    }

    private static bool IsPrivateV4(byte[] b) => b[0] switch
    {
        0 or 10 or 127 => true,                 // "this network", private, loopback
        100 => b[1] is >= 64 and <= 127,       // carrier-grade NAT
        169 => b[1] == 254,                    // link-local, cloud metadata
        172 => b[1] is >= 16 and <= 31,        // private
        192 => (b[1] == 168) || (b[1] == 0 && b[2] is 0 or 2) || (b[1] == 88 && b[2] == 99), // private, IETF, TEST-NET-1, 6to4 relay
        198 => b[1] is 18 or 19,               // benchmarking
        >= 224 => true,                        // multicast, reserved, broadcast
        _ => false,
    };
}
