using Akd.Core.Manifest;
using Akd.Manifest;

namespace Akd.Core.Tests.Manifest;

public sealed class DurationParserTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("45", 45_000)]
    [InlineData("0", 0)]
    public void TryParse_ValidForms_ReturnsDuration(string text, long milliseconds)
    {
        // Act
        var ok = DurationParser.TryParse(text, out var duration);

        // Assert
        Assert.True(ok);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("1.5s")]
    [InlineData("-3s")]
    [InlineData("3d")]
    [InlineData("3 s")]
    [InlineData("99999999999999999999h")]
    [InlineData("9999999999999h")]
    public void TryParse_InvalidForms_ReturnsFalse(string text)
    {
        Assert.False(DurationParser.TryParse(text, out _));
    }
}
