using Akd.Coordinator.Security;

namespace Akd.Coordinator.Tests.Security;

public sealed class ListenUrlsTests
{
    [Theory]
    [InlineData("foo")]
    [InlineData("https://127.0.0.1:abc")] // Kestrel served this on every address, port 443
    [InlineData("https://127.0.0.1:99999")]
    [InlineData("https://:7400")]
    [InlineData("ftp://127.0.0.1:7400")]
    [InlineData("https://127.0.0.1:7400/akd")]
    [InlineData("https://0.0.0.0:7400;https://127.0.0.1:x")]
    public void Malformed_NotAListenUrl_NamesTheFlagAndTheUrl(string urls)
    {
        // Act
        var refusal = ListenUrls.Malformed(urls, "--urls");

        // Assert
        Assert.NotNull(refusal);
        Assert.StartsWith("--urls: '", refusal);
        Assert.Contains("' is not a listen URL such as https://0.0.0.0:7400", refusal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("https://0.0.0.0:7400")]
    [InlineData("https://*:7400")]
    [InlineData("https://+:7400")]
    [InlineData("https://[::]:7400")]
    [InlineData("https://localhost:7400; https://10.0.0.5:7401")]
    [InlineData("http://127.0.0.1:7400")]
    public void Malformed_ListenUrls_Null(string? urls)
    {
        Assert.Null(ListenUrls.Malformed(urls, "--urls"));
    }

    [Fact]
    public void Refusal_CleartextWithoutTheFlag_SaysHttpsOnly()
    {
        // Act
        var refusal = ListenUrls.Parse("http://127.0.0.1:7400").Refusal(insecurePlaintext: false);

        // Assert
        Assert.StartsWith("http://127.0.0.1:7400 is cleartext", refusal);
        Assert.Contains("--insecure-plaintext", refusal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:7400", null)]
    [InlineData("http://localhost:7400", null)]
    [InlineData("http://0.0.0.0:7400", "--insecure-plaintext is for loopback only, and http://0.0.0.0:7400 is not a loopback address; use https://")]
    public void Refusal_CleartextWithTheFlag_LoopbackOnly(string urls, string? expected)
    {
        Assert.Equal(expected, ListenUrls.Parse(urls).Refusal(insecurePlaintext: true));
    }
}
