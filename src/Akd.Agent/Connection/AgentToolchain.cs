using Akd.Agent.Releases;
using Akd.Agent.Builds;
using Akd.Agent.Reporting;
using Akd.Contracts.V1;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Connection;

/// <summary>
/// The toolchain this agent reports. Probing boots a VM for <c>elixir</c>, <c>erl</c> and <c>mix</c>
/// (about a second together), so the agent does not wait for it before connecting: the hello carries
/// the result of the last probe (kept in the data dir), and a fresh probe runs in the background and is
/// sent to the coordinator when it differs (always after a first start: that hello's toolchain is not
/// <see cref="Toolchain.Probed"/>).
/// </summary>
public sealed partial class AgentToolchain(Outbox outbox, IOptions<AgentOptions> options, ILogger<AgentToolchain> logger)
{
    private Toolchain _current = new() { AppRunner = AppRunners.HostRunner(options.Value) };

    public Toolchain Current => Volatile.Read(ref _current);

    private string CachePath => Path.Combine(options.Value.DataDir, "cache", "toolchain.pb");

    /// <summary>Loads the last probe's result, if this data dir has one.</summary>
    public void LoadLast()
    {
        try
        {
            if (File.Exists(CachePath))
            {
                var last = Toolchain.Parser.ParseFrom(File.ReadAllBytes(CachePath));
                last.AppRunner = AppRunners.HostRunner(options.Value);
                last.Probed = true; // a cache written before protocol 2.6 lacks the flag; it holds a probe's result all the same
                Volatile.Write(ref _current, last);
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidProtocolBufferException or UnauthorizedAccessException)
        {
            // A stale or broken cache only means the hello says less until the probe finishes.
        }
    }

    public async Task ProbeAsync(CancellationToken ct)
    {
        var buildEnv = new Dictionary<string, string?>(BuildEnvironment.For(options.Value));
        foreach (var (key, value) in options.Value.BuildEnv)
        {
            buildEnv[key] = value;
        }

        var probed = await ToolchainProbe.DetectAsync(buildEnv, options.Value.ToolchainProbeTimeout, ct).ConfigureAwait(false);
        probed.AppRunner = AppRunners.HostRunner(options.Value);
        probed.Probed = true;
        LogToolchain(probed.Elixir, probed.Otp, probed.Asdf, Dash(probed.Hex), Dash(probed.Rebar3));
        var previous = Interlocked.Exchange(ref _current, probed);
        if (!probed.Equals(previous))
        {
            outbox.Send(new AgentMessage { Toolchain = probed });
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(CachePath)!);
            await File.WriteAllBytesAsync(CachePath, probed.ToByteArray(), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Without the cache the next start reports an empty toolchain for a moment; nothing else changes.
        }
    }

    private static string Dash(string version) => version.Length == 0 ? "none" : version;

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Toolchain: elixir {Elixir}, OTP {Otp}, asdf {Asdf}, Hex {Hex}, rebar3 {Rebar3}")]
    private partial void LogToolchain(string elixir, string otp, string asdf, string hex, string rebar3);
}
