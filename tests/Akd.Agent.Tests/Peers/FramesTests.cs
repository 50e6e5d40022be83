using System.Security.Cryptography;
using Akd.Agent.Peers;
using Akd.Contracts.V1;

namespace Akd.Agent.Tests.Peers;

/// <summary>The peer connection's framing: a piece written straight from its buffer reads back as the protobuf message.</summary>
public sealed class FramesTests
{
    [Theory(Timeout = 30_000)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(300_000)]
    [InlineData(4 * 1024 * 1024 + 1)]
    public async Task WritePieceAsync_AnySize_ReadsBackAsAPieceResponseWithTheSameBytes(int size)
    {
        // Arrange: the piece sits in the middle of a larger buffer, as a pooled one does.
        var buffer = RandomNumberGenerator.GetBytes(size + 20);
        using var stream = new MemoryStream();

        // Act
        await Frames.WritePieceAsync(stream, buffer.AsMemory(10, size), CancellationToken.None);
        stream.Position = 0;
        var read = await Frames.ReadAsync(stream, PieceResponse.Parser, CancellationToken.None);

        // Assert: the message the generated code writes, byte for byte; then the end of the stream.
        Assert.NotNull(read);
        Assert.Equal("", read.Error);
        Assert.Equal(buffer.AsSpan(10, size).ToArray(), read.Data.ToByteArray());
        Assert.Equal(4 + new PieceResponse { Data = Google.Protobuf.ByteString.CopyFrom(buffer, 10, size) }.CalculateSize(), stream.Length);
        Assert.Null(await Frames.ReadAsync(stream, PieceResponse.Parser, CancellationToken.None));
    }
}
