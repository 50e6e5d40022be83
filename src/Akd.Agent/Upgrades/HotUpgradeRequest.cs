namespace Akd.Agent.Upgrades;

/// <summary>One hot upgrade (or downgrade) of a running <c>mix release</c>: explicit values, no manifest.</summary>
internal sealed record HotUpgradeRequest
{
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
}

/// <param name="Applied">release_handler installed and made permanent the new version.</param>
/// <param name="Detail">What release_handler answered, as Erlang/Elixir terms (the reason when it failed).</param>
internal sealed record HotUpgradeResult(bool Applied, string Detail);
