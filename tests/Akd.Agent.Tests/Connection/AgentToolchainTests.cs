using Akd.Agent.Connection;
using Akd.Agent.Reporting;
using Akd.Contracts.V1;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Tests.Connection;

public sealed class AgentToolchainTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akd-toolchain-").FullName;

    private AgentToolchain NewToolchain(Outbox outbox) =>
        new(outbox, Options.Create(new AgentOptions { DataDir = _dir, Name = "web-1" }), NullLogger<AgentToolchain>.Instance);

    [Fact]
    public async Task Probe_FirstStart_HelloSaysNotProbedThenTheProbeIsSentAndKeptForTheNextStart()
    {
        // Arrange: a data dir that never held a probe's result.
        var outbox = new Outbox();
        var first = NewToolchain(outbox);
        first.LoadLast();
        var hello = first.Current.Clone();

        // Act: the background probe of a first start (the real elixir, erl, mix, asdf and git of this machine).
        await first.ProbeAsync(CancellationToken.None);
        var next = NewToolchain(new Outbox());
        next.LoadLast();

        // Assert: the hello said "not probed" (listings show "?", not "none"); the probe's result went to the coordinator
        // marked as probed, and the next start's hello carries it.
        Assert.False(hello.Probed);
        Assert.True(outbox.Reader.TryRead(out var sent));
        Assert.True(sent.Toolchain.Probed);
        Assert.Equal(sent.Toolchain, first.Current);
        Assert.Equal(sent.Toolchain, next.Current);
    }

    [Fact]
    public void LoadLast_CacheWrittenBeforeProtocol26_IsAProbesResult()
    {
        // Arrange: the cache an older agent wrote: the tools it found, no probed flag.
        Directory.CreateDirectory(Path.Join(_dir, "cache"));
        File.WriteAllBytes(Path.Join(_dir, "cache", "toolchain.pb"), new Toolchain { Elixir = "1.14.0", Otp = "25" }.ToByteArray());
        var toolchain = NewToolchain(new Outbox());

        // Act
        toolchain.LoadLast();

        // Assert
        Assert.Equal(("1.14.0", "25", true), (toolchain.Current.Elixir, toolchain.Current.Otp, toolchain.Current.Probed));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
