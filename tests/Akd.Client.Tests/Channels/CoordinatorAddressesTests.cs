using Akd.Client.Channels;

namespace Akd.Client.Tests.Channels;

public sealed class CoordinatorAddressesTests
{
    [Fact]
    public void TryParse_TwoUrlsWithSpaces_BothInTheOrderGiven()
    {
        // Act
        var ok = CoordinatorAddresses.TryParse(" https://c2.example.org:7400 , https://c1.example.org:7400", out var addresses, out var error);

        // Assert
        Assert.True(ok, error);
        Assert.Equal([new Uri("https://c2.example.org:7400"), new Uri("https://c1.example.org:7400")], addresses);
    }

    [Fact]
    public void TryParse_SameUrlTwice_KeptOnce()
    {
        // Act
        var ok = CoordinatorAddresses.TryParse("https://c1:7400,https://c1:7400/", out var addresses, out _);

        // Assert
        Assert.True(ok);
        Assert.Single(addresses);
    }

    [Theory]
    [InlineData("https://c1:7400,c2:7400", "'c2:7400' is not a URL")]
    [InlineData("https://c1:7400,ftp://c2", "'ftp://c2' is not a URL")]
    [InlineData(" , ", "no coordinator URL given")]
    [InlineData("", "no coordinator URL given")]
    public void TryParse_BadEntry_SaysWhichIsWrong(string text, string expected)
    {
        // Act
        var ok = CoordinatorAddresses.TryParse(text, out var addresses, out var error);

        // Assert
        Assert.False(ok);
        Assert.Empty(addresses);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }
}
