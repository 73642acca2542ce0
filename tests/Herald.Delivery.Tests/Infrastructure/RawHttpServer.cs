using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.Delivery.Tests.Infrastructure;

/// <summary>
/// An HTTP/1.1 server made of a bare <see cref="TcpListener"/> on 127.0.0.1: it reads each request
/// (head and Content-Length body) and lets the test answer with whatever bytes it likes — or
/// break the connection — so the client side meets answers no real server library would send.
/// </summary>
internal sealed class RawHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<Socket, string, CancellationToken, Task> _respond;
    private readonly Task _accepting;
    private int _requests;

    /// <param name="respond">Answers one request (its head as text); the socket is closed after it returns.</param>
    public RawHttpServer(Func<Socket, string, CancellationToken, Task> respond)
    {
        _respond = respond;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Requests => Volatile.Read(ref _requests);

    public string Url(string path) => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{path}";

    /// <summary>Writes <paramref name="text"/> (ASCII) to the socket.</summary>
    public static async Task SendAsync(Socket socket, string text, CancellationToken cancellationToken) =>
        await socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, cancellationToken);

    /// <summary>Closes with a TCP reset (RST) instead of an orderly FIN.</summary>
    public static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    /// <summary>A complete answer that closes the connection.</summary>
    public static Task AnswerAsync(Socket socket, int status, string body, CancellationToken cancellationToken) =>
        SendAsync(socket, $"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {Encoding.ASCII.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}", cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            var head = await ReadRequestAsync(socket, _stop.Token);
            Interlocked.Increment(ref _requests);
            await _respond(socket, head, _stop.Token);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away, or the test broke the connection on purpose.
        }
        finally
        {
            socket.Dispose();
        }
    }

    private static async Task<string> ReadRequestAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var filled = 0;
        int end;
        while ((end = IndexOfHeadEnd(buffer.AsSpan(0, filled))) < 0)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException("the client closed before a whole request head");
            }

            filled += read;
        }

        var head = Encoding.ASCII.GetString(buffer, 0, end);
        var length = head.Split("\r\n").Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(l => int.Parse(l["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
        var remaining = length - (filled - end - 4);
        while (remaining > 0)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                break;
            }

            remaining -= read;
        }

        return head;
    }

    private static int IndexOfHeadEnd(ReadOnlySpan<byte> data) => data.IndexOf("\r\n\r\n"u8);
}
