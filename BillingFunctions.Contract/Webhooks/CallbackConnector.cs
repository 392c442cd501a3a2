using System.Net;
using System.Net.Sockets;

namespace BillingFunctions.Contract.Webhooks;

/// <summary>
/// Opens the TCP connection for a cut-off call, after the allow-list has had its say on the URL: a host name is
/// resolved once, private addresses are dropped unless the host may reach them, and the socket connects to an
/// address that passed. Because the address checked is the address connected to, a name that resolves to a
/// public address for the check and a private one a moment later (DNS rebinding) cannot slip through.
/// </summary>
public sealed class CallbackConnector
{
    private readonly HashSet<string> _mayReachPrivate;

    /// <summary>
    /// Hosts that may reach private addresses: the hosts listed as private (<c>Billing:AllowedPrivateCallbackHosts</c>),
    /// IP literals the operator listed among the allowed callback hosts, the host of the operator's own default cut-off
    /// URL, and <c>localhost</c> when the development receiver (which is this server) is on. Both hosts build it from
    /// their own settings, so the rule is the same on each.
    /// </summary>
    public CallbackConnector(IEnumerable<string> allowedPrivateHosts, IEnumerable<string> allowedHosts, string? defaultCutoffUrl,
        bool devReceiver)
    {
        _mayReachPrivate = new HashSet<string>(allowedPrivateHosts, StringComparer.OrdinalIgnoreCase);
        foreach (var host in allowedHosts)
            if (IPAddress.TryParse(host.Trim('[', ']'), out _))
                _mayReachPrivate.Add(host.Trim('[', ']'));
        if (Uri.TryCreate(defaultCutoffUrl, UriKind.Absolute, out var configured))
            _mayReachPrivate.Add(configured.IdnHost.Trim('[', ']'));
        if (devReceiver)
            _mayReachPrivate.Add("localhost");
    }

    public bool MayReachPrivate(string host) => _mayReachPrivate.Contains(host.Trim('[', ']'));

    /// <summary>The addresses of <paramref name="host"/> a cut-off call may connect to; empty when none may.</summary>
    public async Task<IPAddress[]> AllowedAddressesAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return MayReachPrivate(host) ? addresses : addresses.Where(a => !PrivateAddresses.Contains(a)).ToArray();
    }

    /// <summary>For <see cref="SocketsHttpHandler.ConnectCallback"/>.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var (host, port) = (context.DnsEndPoint.Host, context.DnsEndPoint.Port);
        var addresses = await AllowedAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
            throw new HttpRequestException(
                $"refused: '{host}' resolves only to private addresses and is not in Billing:AllowedPrivateCallbackHosts");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
