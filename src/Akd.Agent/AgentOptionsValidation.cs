using Microsoft.Extensions.Options;

namespace Akd.Agent;

/// <summary>
/// Refuses, at start, an <see cref="AgentOptions"/> timeout, wait or interval that would make its wait end at once or
/// its timer throw (zero or negative), naming each bad key.
/// </summary>
internal sealed class AgentOptionsValidation : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var bad = Positive(options).Where(t => t.Value <= TimeSpan.Zero).Select(t => $"Agent:{t.Key} must be > 0 (it is {t.Value})").ToList();
        if (options.QuietPidLookupWindow < TimeSpan.Zero)
        {
            bad.Add($"Agent:{nameof(AgentOptions.QuietPidLookupWindow)} must be >= 0 (it is {options.QuietPidLookupWindow})");
        }

        return bad.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(bad);
    }

    private static IEnumerable<KeyValuePair<string, TimeSpan>> Positive(AgentOptions o) =>
        new Dictionary<string, TimeSpan>(StringComparer.Ordinal)
        {
            [nameof(o.PeerConnectTimeout)] = o.PeerConnectTimeout,
            [nameof(o.PeerPieceTimeout)] = o.PeerPieceTimeout,
            [nameof(o.PeerPollFirst)] = o.PeerPollFirst,
            [nameof(o.PeerPollInterval)] = o.PeerPollInterval,
            [nameof(o.ReconnectBaseDelay)] = o.ReconnectBaseDelay,
            [nameof(o.ReconnectMaxDelay)] = o.ReconnectMaxDelay,
            [nameof(o.ConnectTimeout)] = o.ConnectTimeout,
            [nameof(o.HandshakeTimeout)] = o.HandshakeTimeout,
            [nameof(o.HeartbeatInterval)] = o.HeartbeatInterval,
            [nameof(o.KeepAlivePingDelay)] = o.KeepAlivePingDelay,
            [nameof(o.KeepAlivePingTimeout)] = o.KeepAlivePingTimeout,
            [nameof(o.StopGracePeriod)] = o.StopGracePeriod,
            [nameof(o.KillWait)] = o.KillWait,
            [nameof(o.AppStartTimeout)] = o.AppStartTimeout,
            [nameof(o.AppCommandTimeout)] = o.AppCommandTimeout,
            [nameof(o.AppPidFileTimeout)] = o.AppPidFileTimeout,
            [nameof(o.SystemctlTimeout)] = o.SystemctlTimeout,
            [nameof(o.RollbackBudget)] = o.RollbackBudget,
            [nameof(o.ErlCallMargin)] = o.ErlCallMargin,
            [nameof(o.ReleaseRpcBootTime)] = o.ReleaseRpcBootTime,
            [nameof(o.GitTimeout)] = o.GitTimeout,
            [nameof(o.LocalCommandTimeout)] = o.LocalCommandTimeout,
            [nameof(o.ToolchainProbeTimeout)] = o.ToolchainProbeTimeout,
            [nameof(o.HookCleanupTimeout)] = o.HookCleanupTimeout,
            [nameof(o.EnrollTimeout)] = o.EnrollTimeout,
            [nameof(o.ArtifactCachePartialMaxAge)] = o.ArtifactCachePartialMaxAge,
            [nameof(o.ArtifactCacheSweepInterval)] = o.ArtifactCacheSweepInterval,
        };
}
