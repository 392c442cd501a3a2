using System.Net;
using System.Net.Sockets;

namespace BillingFunctions.Tests.Support;

/// <summary>
/// A loopback port that forwards each connection to a real service: a test gives an app this port's address while
/// nothing listens on it (the service is unreachable), then starts the forwarder (the service is back, at the same address).
/// </summary>
public sealed class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private TcpForwarder(TcpListener listener, IPEndPoint target)
    {
        _listener = listener;
        _accepting = AcceptAsync(target);
    }

    /// <summary>A port nothing listens on now (the operating system just handed it out and it was released).</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public static TcpForwarder Start(int port, IPEndPoint target)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        return new TcpForwarder(listener, target);
    }

    private async Task AcceptAsync(IPEndPoint target)
    {
        try
        {
            while (true)
                _ = PumpAsync(await _listener.AcceptTcpClientAsync(_stop.Token), target);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PumpAsync(TcpClient client, IPEndPoint target)
    {
        using var _ = client;
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(target, _stop.Token);
            var (inbound, outbound) = (client.GetStream(), upstream.GetStream());
            await Task.WhenAny(inbound.CopyToAsync(outbound, _stop.Token), outbound.CopyToAsync(inbound, _stop.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // One side closed or the forwarder stopped: the connection ends, as it would without a forwarder.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
