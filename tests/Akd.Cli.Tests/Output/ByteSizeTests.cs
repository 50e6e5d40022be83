using Akd.Cli.Commands;
using Akd.Cli.Output;
using Akd.Contracts.V1;

namespace Akd.Cli.Tests.Output;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(64L * 1024 * 1024, "64.0 MiB")]
    [InlineData(3L * 1024 * 1024 * 1024 / 2, "1.5 GiB")]
    public void Text_Sizes_ReadableWithBinaryUnits(long bytes, string expected)
    {
        // Arrange + Act
        var text = ByteSize.Text(bytes);

        // Assert
        Assert.Equal(expected, text);
    }

    [Fact]
    public void Received_HostReportedOrNot_BothSourcesOrADash()
    {
        // Arrange
        var transfer = new TransferStats { BytesFromCoordinator = 4L * 1024 * 1024, BytesFromPeers = 60L * 1024 * 1024 };

        // Act
        var reported = StatusCommand.Received(transfer);
        var unknown = StatusCommand.Received(null);

        // Assert
        Assert.Equal("4.0 MiB coordinator, 60.0 MiB peers", reported);
        Assert.Equal("-", unknown);
    }
}
