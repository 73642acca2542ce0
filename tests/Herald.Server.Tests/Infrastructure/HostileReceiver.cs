using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>
/// A receiver that misbehaves on purpose, made of a bare <see cref="TcpListener"/> on 127.0.0.1 so
/// it can send what no server library would: the request's path picks the misbehaviour
/// (<see cref="Behaviours"/>). It reads each request whole first, so a reset is the test's doing.
/// </summary>
public sealed class HostileReceiver : IAsyncDisposable
{
    /// <summary>Every path it knows, each a way for a receiver to end (or not end) an attempt.</summary>
    public static readonly IReadOnlyList<string> Behaviours =
    [
        "/never-answers", "/slow-headers", "/endless-body", "/50mb-body", "/reset-before-answer", "/reset-after-headers", "/reset-during-body",
        "/closed-mid-body", "/broken-chunked", "/http09-garbage", "/endless-headers",
    ];

    private const int FiftyMegabytes = 50 * 1024 * 1024;
    private static readonly byte[] Filler = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Task, bool> _connections = new();
    private readonly ConcurrentQueue<string> _paths = new();
    private readonly Task _accepting;

    public HostileReceiver()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The paths requested so far, in arrival order.</summary>
    public IReadOnlyList<string> Paths => _paths.ToArray();

    public string Url(string path) => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{path}";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(_connections.Keys).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            var connection = Task.Run(() => ServeAsync(socket));
            _connections[connection] = true;
            _ = connection.ContinueWith(t => _connections.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var ct = _stop.Token;
        try
        {
            var path = await ReadRequestAsync(socket, ct);
            _paths.Enqueue(path);
            switch (path)
            {
                case "/never-answers":
                    await Task.Delay(Timeout.Infinite, ct);
                    break;
                case "/slow-headers":
                    await SendAsync(socket, "HTTP/1.1 200 OK\r\n", ct);
                    for (var i = 0; ; i++)
                    {
                        await Task.Delay(200, ct);
                        await SendAsync(socket, $"X-Slow-{i}: 1\r\n", ct);
                    }

                case "/endless-body":
                    await SendAsync(socket, "HTTP/1.1 500 Endless\r\nTransfer-Encoding: chunked\r\n\r\n", ct);
                    while (true)
                    {
                        await SendAsync(socket, $"{Filler.Length:x}\r\n", ct);
                        await socket.SendAsync(Filler, SocketFlags.None, ct);
                        await SendAsync(socket, "\r\n", ct);
                    }

                case "/50mb-body":
                    await SendAsync(socket, $"HTTP/1.1 500 Big\r\nContent-Type: text/plain\r\nContent-Length: {FiftyMegabytes}\r\n\r\n", ct);
                    for (var sent = 0; sent < FiftyMegabytes; sent += Filler.Length)
                    {
                        await socket.SendAsync(Filler, SocketFlags.None, ct);
                    }

                    break;
                case "/reset-before-answer":
                    Reset(socket);
                    break;
                case "/reset-after-headers":
                    await SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", ct);
                    await Task.Delay(100, ct);
                    Reset(socket);
                    break;
                case "/reset-during-body":
                    await SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + new string('a', 100), ct);
                    await Task.Delay(100, ct);
                    Reset(socket);
                    break;
                case "/closed-mid-body":
                    await SendAsync(socket, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + new string('a', 100), ct);
                    socket.Shutdown(SocketShutdown.Both);
                    break;
                case "/broken-chunked":
                    await SendAsync(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", ct);
                    break;
                case "/http09-garbage":
                    await SendAsync(socket, "<html>no status line, no headers</html>\r\n\r\n", ct);
                    socket.Shutdown(SocketShutdown.Both);
                    break;
                case "/endless-headers":
                    await SendAsync(socket, "HTTP/1.1 200 OK\r\n", ct);
                    for (var i = 0; ; i++)
                    {
                        await SendAsync(socket, $"X-Pad-{i}: {new string('p', 1000)}\r\n", ct);
                    }

                default:
                    await SendAsync(socket, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct);
                    break;
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Herald gave up on the connection (as it should), or the test is over.
        }
        finally
        {
            socket.Dispose();
        }
    }

    private static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private static async Task SendAsync(Socket socket, string text, CancellationToken ct) =>
        await socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, ct);

    /// <summary>Reads the request head and its Content-Length body; returns the path.</summary>
    private static async Task<string> ReadRequestAsync(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[256 * 1024];
        var filled = 0;
        int end;
        while ((end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, ct);
            if (read == 0)
            {
                throw new IOException("closed before a whole request head");
            }

            filled += read;
        }

        var lines = Encoding.ASCII.GetString(buffer, 0, end).Split("\r\n");
        var length = lines.Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(l => int.Parse(l["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
        for (var remaining = length - (filled - end - 4); remaining > 0;)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
            if (read == 0)
            {
                break;
            }

            remaining -= read;
        }

        return lines[0].Split(' ')[1];
    }
}
