using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Akd.Contracts.Trust;
using Akd.Contracts.V1;
using Google.Protobuf;

namespace Akd.Bench.Scale;

/// <summary>
/// The fake agents' transport: one TLS connection (the agent's certificate, the pinned CA, ALPN h2) carrying one
/// AgentHub.Connect call in just as much HTTP/2 as that call needs: the preface and settings, one request stream with
/// the gRPC call's headers, length-prefixed protobuf messages both ways, flow control, and answers to the server's
/// SETTINGS and PINGs. The coordinator receives the same frames a real agent sends.
/// <para>
/// Why not Grpc.Net.Client, as the real agent uses: the load generator shares this machine's two cores with the
/// coordinator it measures, and through SocketsHttpHandler it spent more CPU on a 10,000-agent no-op round than the
/// coordinator did (1.3–1.5 s of ~2.7 s per round), so the round measured the generator as much as the coordinator.
/// Response headers and trailers are not decoded (no HPACK state is kept): a call that ends is reported as ended.
/// </para>
/// </summary>
internal sealed class LeanAgentCall : IAsyncDisposable
{
    private const string ConnectPath = "/akd.v1.AgentHub/Connect";
    private const int StreamId = 1;
    private const int FrameHeaderLength = 9;
    private const int GrpcPrefixLength = 5;

    // Frame types and flags (RFC 9113, section 6).
    private const byte Data = 0x0, Headers = 0x1, RstStream = 0x3, Settings = 0x4, Ping = 0x6, GoAway = 0x7, WindowUpdate = 0x8;
    private const byte EndStream = 0x1, Ack = 0x1, EndHeaders = 0x4, Padded = 0x8;
    private const ushort SettingsEnablePush = 0x2, SettingsInitialWindowSize = 0x4, SettingsMaxFrameSize = 0x5;

    /// <summary>What this side lets the coordinator send before it is credited again (stream and connection alike).</summary>
    private const int ReceiveWindow = 4 << 20;

    /// <summary>HTTP/2's window before SETTINGS or WINDOW_UPDATE say otherwise.</summary>
    private const int DefaultWindow = 65_535;

    /// <summary>The largest frame the coordinator may send until it learns otherwise (HTTP/2's minimum, which this side keeps).</summary>
    private const int MaxFrame = 16_384;

    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    private readonly Socket _socket;
    private readonly SslStream _tls;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _windowLock = new();
    private long _connectionSendWindow = DefaultWindow;
    private long _streamSendWindow = DefaultWindow;
    private long _initialStreamWindow = DefaultWindow;
    private TaskCompletionSource _windowGrew = NewSignal();
    private int _unacknowledged;

    private LeanAgentCall(Socket socket, SslStream tls)
    {
        _socket = socket;
        _tls = tls;
    }

    /// <summary>
    /// Connects to <paramref name="address"/> (TCP within <paramref name="connectTimeout"/>, TCP and TLS within
    /// <paramref name="handshakeTimeout"/>, as the real agent's channel) and opens the call: no message is sent yet.
    /// </summary>
    public static async Task<LeanAgentCall> OpenAsync(
        Uri address, X509Certificate2 ca, X509Certificate2 certificate, TimeSpan connectTimeout, TimeSpan handshakeTimeout, CancellationToken ct)
    {
        using var whole = CancellationTokenSource.CreateLinkedTokenSource(ct);
        whole.CancelAfter(handshakeTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        SslStream? tls = null;
        try
        {
            using (var tcp = CancellationTokenSource.CreateLinkedTokenSource(whole.Token))
            {
                tcp.CancelAfter(connectTimeout);
                await socket.ConnectAsync(address.Host, address.Port, tcp.Token).ConfigureAwait(false);
            }

            tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = address.Host,
                ApplicationProtocols = [SslApplicationProtocol.Http2],
                CertificateChainPolicy = CaTrust.PinnedPolicy(ca, CaTrust.ServerAuth),
                RemoteCertificateValidationCallback = CaTrust.PinnedServerValidator,
                LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate,
            }, whole.Token).ConfigureAwait(false);
            if (tls.NegotiatedApplicationProtocol != SslApplicationProtocol.Http2)
            {
                throw new IOException($"{address} did not agree to HTTP/2 (ALPN: '{tls.NegotiatedApplicationProtocol}')");
            }

            var call = new LeanAgentCall(socket, tls);
            await call.StartAsync(address, whole.Token).ConfigureAwait(false);
            return call;
        }
        catch
        {
            if (tls is not null)
            {
                await tls.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
            throw;
        }
    }

    /// <summary>The preface, this side's settings and window, and the call's request headers, in one write.</summary>
    private async Task StartAsync(Uri address, CancellationToken ct)
    {
        var start = new List<byte>(256);
        start.AddRange(Preface);

        Span<byte> settings = stackalloc byte[18];
        WriteSetting(settings, SettingsEnablePush, 0);
        WriteSetting(settings[6..], SettingsInitialWindowSize, ReceiveWindow);
        WriteSetting(settings[12..], SettingsMaxFrameSize, MaxFrame);
        AddFrame(start, Settings, 0, 0, settings);

        Span<byte> increment = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(increment, ReceiveWindow - DefaultWindow);
        AddFrame(start, WindowUpdate, 0, 0, increment);

        var block = new List<byte>(128);
        // HPACK literals without indexing and without Huffman coding (RFC 7541, 6.2.2): nothing for either side to remember.
        foreach (var (name, value) in new[]
        {
            (":method", "POST"), (":scheme", "https"), (":path", ConnectPath), (":authority", $"{address.Host}:{address.Port}"),
            ("content-type", "application/grpc"), ("te", "trailers"), ("user-agent", "akd-bench-fake-agent"),
        })
        {
            block.Add(0);
            AddHpackString(block, name);
            AddHpackString(block, value);
        }

        AddFrame(start, Headers, EndHeaders, StreamId, [.. block]);
        await WriteAsync([.. start], ct).ConfigureAwait(false);
    }

    /// <summary>Sends one message on the call, once the coordinator's windows allow it.</summary>
    public async Task SendAsync(AgentMessage message, CancellationToken ct)
    {
        var size = message.CalculateSize();
        var length = GrpcPrefixLength + size;
        await WaitForWindowAsync(length, ct).ConfigureAwait(false);

        var frame = new byte[FrameHeaderLength + length];
        WriteFrameHeader(frame, length, Data, 0, StreamId);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(FrameHeaderLength + 1), size); // byte 0: not compressed
        message.WriteTo(frame.AsSpan(FrameHeaderLength + GrpcPrefixLength));
        await WriteAsync(frame, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The coordinator's messages, in order, until the call ends: an <see cref="IOException"/> says how (the coordinator
    /// ended or reset the call, or the connection closed). Control frames are answered here as they arrive.
    /// </summary>
    public async IAsyncEnumerable<CoordinatorMessage> ReadAllAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var reader = new FrameReader(_tls);
        var messages = new MessageBuffer();
        while (true)
        {
            var (type, flags, stream, payload) = await reader.NextAsync(ct).ConfigureAwait(false);
            switch (type)
            {
                case Data when stream == StreamId:
                    messages.Append(Unpadded(payload.Span, flags));
                    await CreditAsync(payload.Length, ct).ConfigureAwait(false);
                    while (messages.TryTake(out var message))
                    {
                        yield return message;
                    }

                    if ((flags & EndStream) != 0)
                    {
                        throw new IOException("the coordinator ended the call");
                    }

                    break;
                case Headers when stream == StreamId && (flags & EndStream) != 0:
                    throw new IOException("the coordinator ended the call (trailers)");
                case RstStream when stream == StreamId:
                    throw new IOException($"the coordinator reset the call (HTTP/2 error {BinaryPrimitives.ReadUInt32BigEndian(payload.Span)})");
                case Settings when (flags & Ack) == 0:
                    ApplySettings(payload.Span);
                    await WriteAsync(Frame(Settings, Ack, 0, []), ct).ConfigureAwait(false);
                    break;
                case Ping when (flags & Ack) == 0:
                    await WriteAsync(Frame(Ping, Ack, 0, payload.Span), ct).ConfigureAwait(false);
                    break;
                case WindowUpdate:
                    Grow(stream, BinaryPrimitives.ReadInt32BigEndian(payload.Span) & int.MaxValue);
                    break;
                case GoAway:
                    // The call may still end normally (a stopping coordinator closes it); whatever is read next says so.
                    break;
            }
        }
    }

    /// <summary>Drops the connection under the call (TCP and TLS): the reader ends with an error, as when a network blinks.</summary>
    public void Abort() => _socket.Dispose();

    public async ValueTask DisposeAsync()
    {
        await _tls.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        _writeLock.Dispose();
    }

    /// <summary>Gives the coordinator its windows back once half of them is used: one frame for many messages.</summary>
    private async Task CreditAsync(int consumed, CancellationToken ct)
    {
        _unacknowledged += consumed;
        if (_unacknowledged < ReceiveWindow / 2)
        {
            return;
        }

        var increment = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(increment, _unacknowledged);
        _unacknowledged = 0;
        await WriteAsync([.. Frame(WindowUpdate, 0, 0, increment), .. Frame(WindowUpdate, 0, StreamId, increment)], ct).ConfigureAwait(false);
    }

    private void ApplySettings(ReadOnlySpan<byte> payload)
    {
        for (var at = 0; at + 6 <= payload.Length; at += 6)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(payload[at..]) == SettingsInitialWindowSize)
            {
                // A new initial window changes the open stream's window by the difference (RFC 9113, 6.9.2).
                var window = BinaryPrimitives.ReadUInt32BigEndian(payload[(at + 2)..]);
                lock (_windowLock)
                {
                    _streamSendWindow += window - _initialStreamWindow;
                    _initialStreamWindow = window;
                }

                Signal();
            }
        }
    }

    private void Grow(int stream, int increment)
    {
        lock (_windowLock)
        {
            if (stream == 0)
            {
                _connectionSendWindow += increment;
            }
            else if (stream == StreamId)
            {
                _streamSendWindow += increment;
            }
        }

        Signal();
    }

    private void Signal()
    {
        TaskCompletionSource grew;
        lock (_windowLock)
        {
            grew = _windowGrew;
            _windowGrew = NewSignal();
        }

        grew.TrySetResult();
    }

    private async Task WaitForWindowAsync(int length, CancellationToken ct)
    {
        while (true)
        {
            Task grew;
            lock (_windowLock)
            {
                if (_connectionSendWindow >= length && _streamSendWindow >= length)
                {
                    _connectionSendWindow -= length;
                    _streamSendWindow -= length;
                    return;
                }

                grew = _windowGrew.Task;
            }

            await grew.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(byte[] bytes, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await _tls.WriteAsync(bytes, ct).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static ReadOnlySpan<byte> Unpadded(ReadOnlySpan<byte> payload, byte flags)
    {
        if ((flags & Padded) == 0)
        {
            return payload;
        }

        var padding = payload[0];
        return payload[1..^padding];
    }

    private static byte[] Frame(byte type, byte flags, int stream, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[FrameHeaderLength + payload.Length];
        WriteFrameHeader(frame, payload.Length, type, flags, stream);
        payload.CopyTo(frame.AsSpan(FrameHeaderLength));
        return frame;
    }

    private static void AddFrame(List<byte> to, byte type, byte flags, int stream, ReadOnlySpan<byte> payload) => to.AddRange(Frame(type, flags, stream, payload));

    private static void WriteFrameHeader(Span<byte> to, int length, byte type, byte flags, int stream)
    {
        to[0] = (byte)(length >> 16);
        to[1] = (byte)(length >> 8);
        to[2] = (byte)length;
        to[3] = type;
        to[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(to[5..], stream);
    }

    private static void WriteSetting(Span<byte> to, ushort id, int value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(to, id);
        BinaryPrimitives.WriteInt32BigEndian(to[2..], value);
    }

    /// <summary>A string literal with a 7-bit-prefix length and no Huffman coding (RFC 7541, 5.1 and 5.2).</summary>
    private static void AddHpackString(List<byte> to, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        var length = bytes.Length;
        if (length < 127)
        {
            to.Add((byte)length);
        }
        else
        {
            to.Add(127);
            for (length -= 127; length >= 128; length >>= 7)
            {
                to.Add((byte)((length & 0x7f) | 0x80));
            }

            to.Add((byte)length);
        }

        to.AddRange(bytes);
    }

    /// <summary>Reads whole frames off the connection, refilling one buffer as it goes.</summary>
    private sealed class FrameReader(Stream from)
    {
        private readonly byte[] _buffer = new byte[4 * (FrameHeaderLength + MaxFrame)];
        private int _start;
        private int _end;

        public async Task<(byte Type, byte Flags, int Stream, ReadOnlyMemory<byte> Payload)> NextAsync(CancellationToken ct)
        {
            await FillAsync(FrameHeaderLength, ct).ConfigureAwait(false);
            var header = _buffer.AsSpan(_start, FrameHeaderLength);
            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            if (length > MaxFrame)
            {
                throw new IOException($"the coordinator sent a {length}-byte frame; this side allows {MaxFrame}");
            }

            await FillAsync(FrameHeaderLength + length, ct).ConfigureAwait(false);
            header = _buffer.AsSpan(_start, FrameHeaderLength);
            var frame = (header[3], header[4], BinaryPrimitives.ReadInt32BigEndian(header[5..]) & int.MaxValue,
                new ReadOnlyMemory<byte>(_buffer, _start + FrameHeaderLength, length));
            _start += FrameHeaderLength + length;
            return frame;
        }

        /// <summary>Until <paramref name="count"/> bytes from the current frame's start are buffered.</summary>
        private async Task FillAsync(int count, CancellationToken ct)
        {
            if (_end - _start >= count)
            {
                return;
            }

            if (_buffer.Length - _start < count)
            {
                // The previous frame's payload has been consumed by now: move what is left of this one to the front.
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            while (_end - _start < count)
            {
                var read = await from.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException("the coordinator closed the connection");
                }

                _end += read;
            }
        }
    }

    /// <summary>The call's gRPC messages (a 5-byte prefix, then protobuf), which may span DATA frames.</summary>
    private sealed class MessageBuffer
    {
        private byte[] _bytes = new byte[1024];
        private int _start;
        private int _end;

        public void Append(ReadOnlySpan<byte> data)
        {
            if (_start == _end)
            {
                _start = _end = 0;
            }

            if (_bytes.Length - _end < data.Length)
            {
                var grown = new byte[Math.Max(_bytes.Length * 2, _end - _start + data.Length)];
                _bytes.AsSpan(_start, _end - _start).CopyTo(grown);
                _end -= _start;
                _start = 0;
                _bytes = grown;
            }

            data.CopyTo(_bytes.AsSpan(_end));
            _end += data.Length;
        }

        public bool TryTake(out CoordinatorMessage message)
        {
            message = null!;
            if (_end - _start < GrpcPrefixLength)
            {
                return false;
            }

            if (_bytes[_start] != 0)
            {
                throw new IOException("the coordinator sent a compressed message; the fake agent asked for none");
            }

            var size = BinaryPrimitives.ReadInt32BigEndian(_bytes.AsSpan(_start + 1));
            if (_end - _start < GrpcPrefixLength + size)
            {
                return false;
            }

            message = CoordinatorMessage.Parser.ParseFrom(_bytes.AsSpan(_start + GrpcPrefixLength, size));
            _start += GrpcPrefixLength + size;
            return true;
        }
    }
}
