using System.Buffers.Binary;
using Google.Protobuf;

namespace Akd.Agent.Peers;

/// <summary>Messages on a peer connection: a 4-byte big-endian length, then the protobuf bytes.</summary>
internal static class Frames
{
    /// <summary>A piece is at most a few MiB; anything much larger is not a peer speaking this protocol.</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    public static async Task WriteAsync(Stream stream, IMessage message, CancellationToken ct)
    {
        var body = message.ToByteArray();
        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, body.Length);
        await stream.WriteAsync(header, ct).ConfigureAwait(false);
        await stream.WriteAsync(body, ct).ConfigureAwait(false);
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

        var body = new byte[length];
        await stream.ReadExactlyAsync(body, ct).ConfigureAwait(false);
        return parser.ParseFrom(body);
    }
}
