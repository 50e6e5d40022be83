using Akd.Core.Releases;

namespace Akd.Core.Tests.Releases;

public sealed class ReleaseIdTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 19, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Create_VersionAndTime_FormatsUtcTimestamp()
    {
        var id = ReleaseId.Create("0.1.0", At.ToOffset(TimeSpan.FromHours(2)));

        Assert.Equal("0.1.0-20261126T193000Z", id);
    }

    [Theory]
    [InlineData("0.1.0")]
    [InlineData("1.0.0-rc.1")]
    [InlineData("2.0.0+build-7")]
    public void TryParse_CreatedId_ReturnsVersionAndTime(string version)
    {
        var id = ReleaseId.Create(version, At);

        var parsed = ReleaseId.TryParse(id, out var parsedVersion, out var createdAt);

        Assert.True(parsed);
        Assert.Equal(version, parsedVersion);
        Assert.Equal(At, createdAt);
        Assert.Equal(TimeSpan.Zero, createdAt.Offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0.1.0")]
    [InlineData("-20261126T193000Z")]
    [InlineData("0.1.0-20261326T193000Z")]
    [InlineData("0.1.0-20261126T193000")]
    [InlineData("0.1.0_20261126T193000Z")]
    [InlineData(".hidden-20261126T193000Z")]
    [InlineData("a b-20261126T193000Z")]
    public void TryParse_MalformedId_ReturnsFalse(string id)
    {
        var parsed = ReleaseId.TryParse(id, out var version, out _);

        Assert.False(parsed);
        Assert.Equal("", version);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.0/evil")]
    [InlineData("1.0 beta")]
    [InlineData("1.0\tx")]
    [InlineData("1.0\nx")]
    [InlineData(".1.0")]
    [InlineData("..")]
    public void Create_InvalidVersion_Throws(string version)
    {
        var error = Assert.Throws<ArgumentException>(() => ReleaseId.Create(version, At));

        Assert.Equal("version", error.ParamName);
    }
}
