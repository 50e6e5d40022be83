using Akd.Agent.Sandbox;

namespace Akd.Agent.Upgrades;

/// <summary>One hot upgrade (or downgrade) of a running <c>mix release</c>: explicit values, no manifest.</summary>
internal sealed record HotUpgradeRequest
{
    private static readonly AgentOptions Defaults = new();

    /// <summary>The release name: <c>bin/APP</c>, <c>releases/VSN/APP.rel</c>.</summary>
    public required string App { get; init; }

    /// <summary>The root the running VM booted from (its <c>code:root_dir()</c>); the new version is installed into it.</summary>
    public required string RunningRoot { get; init; }

    /// <summary>The version the VM runs.</summary>
    public required string FromVsn { get; init; }

    /// <summary>The version to go to.</summary>
    public required string ToVsn { get; init; }

    /// <summary>The env the VM was started with: <c>bin/APP rpc</c> needs its node name and cookie settings.</summary>
    public required IReadOnlyDictionary<string, string> Env { get; init; }

    /// <summary>How long the whole release_handler call may take (suspending processes, code_change included).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How much longer than erl_call's own <c>-timeout</c> its process may run (<see cref="AgentOptions.ErlCallMargin"/>).</summary>
    public TimeSpan ErlCallMargin { get; init; } = Defaults.ErlCallMargin;

    /// <summary>What <c>bin/APP rpc</c> and <c>bin/APP upgrade</c> get on top of the call to boot their VM (<see cref="AgentOptions.ReleaseRpcBootTime"/>).</summary>
    public TimeSpan RpcBootTime { get; init; } = Defaults.ReleaseRpcBootTime;

    /// <summary>How long release_handler's housekeeping (<c>remove_release</c>) may take (<see cref="AgentOptions.AppCommandTimeout"/>).</summary>
    public TimeSpan HousekeepingTimeout { get; init; } = Defaults.AppCommandTimeout;

    /// <summary>
    /// Who erl_call (or <c>bin/APP rpc</c>) runs as: the app's own user, as its VM does, never the agent.
    /// </summary>
    public AppSandbox Sandbox { get; init; } = AppSandbox.AsAgent("");

    /// <summary>
    /// Distillery: the node's name and cookie come from the release's <c>vm.args</c>, which erl_call is not told;
    /// the release's own <c>bin/APP rpc</c> reads them.
    /// </summary>
    public bool ReleaseRpcOnly { get; init; }
}

/// <param name="Applied">release_handler installed and made permanent the new version.</param>
/// <param name="Detail">What release_handler answered, as Erlang/Elixir terms (the reason when it failed).</param>
internal sealed record HotUpgradeResult(bool Applied, string Detail);
