using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>
/// A receiver on a raw TCP socket: it keeps every byte each connection sends (not what an HTTP
/// parser makes of them), answers the first request of a connection with 200 and
/// <c>Connection: close</c>, and reads on until the client closes — so an injected header or a
/// smuggled second request shows up in <see cref="Connections"/> exactly as it crossed the wire.
/// </summary>
public sealed class RawReceiver : IAsyncDisposable
{
    private static readonly byte[] Ok = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _connections = new();
    private readonly Task _accepting;
    private int _open;

    public RawReceiver(IPAddress? address = null)
    {
        _listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    /// <summary>The raw text of every finished connection (Latin-1, so every byte stays one char).</summary>
    public IReadOnlyList<string> Connections => _connections.ToArray();

    /// <summary>How many connections were accepted, finished or not.</summary>
    public int Accepted { get; private set; }

    /// <summary>Waits until <paramref name="count"/> connections have been read to the end.</summary>
    public async Task<IReadOnlyList<string>> WaitForAsync(int count)
    {
        await Eventually.TrueAsync(() => _connections.Count >= count && Volatile.Read(ref _open) == 0, what: $"{count} raw connection(s)");
        return Connections;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Accepted++;
            Interlocked.Increment(ref _open);
            _ = ReadAsync(socket);
        }
    }

    private async Task ReadAsync(Socket socket)
    {
        var raw = new MemoryStream();
        try
        {
            using (socket)
            {
                var buffer = new byte[8192];
                var answered = false;
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                idle.CancelAfter(TimeSpan.FromSeconds(10));
                while (true)
                {
                    int read;
                    try
                    {
                        read = await socket.ReceiveAsync(buffer, SocketFlags.None, idle.Token);
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or SocketException)
                    {
                        break;
                    }

                    if (read == 0)
                    {
                        break;
                    }

                    raw.Write(buffer, 0, read);
                    if (!answered && Encoding.Latin1.GetString(raw.ToArray()).Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        // Give a body sent in a second write the chance to arrive before answering.
                        await Task.Delay(100);
                        answered = true;
                        await socket.SendAsync(Ok, SocketFlags.None);
                        socket.Shutdown(SocketShutdown.Send);
                    }
                }
            }
        }
        finally
        {
            _connections.Enqueue(Encoding.Latin1.GetString(raw.ToArray()));
            Interlocked.Decrement(ref _open);
        }
    }
}
