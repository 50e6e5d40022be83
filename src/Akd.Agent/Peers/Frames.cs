using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace Akd.Agent.Peers;

/// <summary>Messages on a peer connection: a 4-byte big-endian length, then the protobuf bytes.</summary>
internal static class Frames
{
    /// <summary>A piece is at most a few MiB; anything much larger is not a peer speaking this protocol.</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    /// <summary>Header and message in one write, from a pooled buffer: a piece is MiBs, and one TLS record train is cheaper than two.</summary>
    public static async Task WriteAsync(Stream stream, IMessage message, CancellationToken ct)
    {
        var length = message.CalculateSize();
        var buffer = ArrayPool<byte>.Shared.Rent(4 + length);
        try
        {
            BinaryPrimitives.WriteInt32BigEndian(buffer, length);
            message.WriteTo(buffer.AsSpan(4, length));
            await stream.WriteAsync(buffer.AsMemory(0, 4 + length), ct).ConfigureAwait(false);
            await stream.FlushAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A <see cref="Akd.Contracts.V1.PieceResponse"/> with <paramref name="data"/> and no error, written as its wire format
    /// (field 1, length-delimited) straight from the caller's buffer: a piece is MiBs, and serializing the message would
    /// copy them once more.
    /// </summary>
    public static async Task WritePieceAsync(Stream stream, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var prefix = new byte[4 + 1 + 5];
        var varint = CodedOutputStream.ComputeLengthSize(data.Length);
        BinaryPrimitives.WriteInt32BigEndian(prefix, 1 + varint + data.Length);
        prefix[4] = (1 << 3) | 2; // field 1, wire type 2 (length-delimited)
        var at = 5;
        for (var value = (uint)data.Length; ; value >>= 7)
        {
            if (value < 0x80)
            {
                prefix[at++] = (byte)value;
                break;
            }

            prefix[at++] = (byte)((value & 0x7f) | 0x80);
        }

        await stream.WriteAsync(prefix.AsMemory(0, at), ct).ConfigureAwait(false);
        await stream.WriteAsync(data, ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The next message, or null when the other side closed the connection between messages.</summary>
    public static async Task<T?> ReadAsync<T>(Stream stream, MessageParser<T> parser, CancellationToken ct)
        where T : class, IMessage<T>
    {
        var header = new byte[4];
        var read = await stream.ReadAtLeastAsync(header, 4, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }

        if (read < 4)
        {
            throw new IOException("the peer closed the connection inside a message header");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length is < 0 or > MaxBytes)
        {
            throw new InvalidDataException($"a peer message of {length} bytes is outside the protocol's limits");
        }

        var body = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await stream.ReadExactlyAsync(body.AsMemory(0, length), ct).ConfigureAwait(false);
            return parser.ParseFrom(body.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }
}
