namespace Akd.Testing;

/// <summary>What a <see cref="LocalFleet"/> starts: how many web agents, their names and labels, which programs.</summary>
public sealed class FleetOptions
{
    /// <summary>Where every data dir goes; default: a new folder under the temp dir, deleted on dispose.</summary>
    public string? Root { get; init; }

    /// <summary>Delete <see cref="Root"/> on dispose (the bench keeps its work dir until it is done).</summary>
    public bool DeleteRoot { get; init; } = true;

    public int WebAgents { get; init; }

    /// <summary>The build agent's name, before the fleet's suffix; also its data dir's.</summary>
    public string BuildAgent { get; init; } = "build-1";

    public string BuildLabels { get; init; } = "role=build";

    /// <summary>Web agent N's name (1-based), before the fleet's suffix; also its data dir's.</summary>
    public Func<int, string> WebAgentName { get; init; } = i => $"web-{i}";

    /// <summary>Web agent N's labels (1-based).</summary>
    public Func<int, string> WebLabels { get; init; } = _ => "role=web";

    /// <summary>Extra process env for the web agents (and so for the apps they start), e.g. a PATH with a fake tool first.</summary>
    public IReadOnlyDictionary<string, string>? WebAgentEnv { get; init; }

    /// <summary>Coordinator settings, e.g. a short <c>Trust__AgentCertificateLifetime</c>.</summary>
    public IReadOnlyDictionary<string, string>? CoordinatorEnv { get; init; }

    /// <summary>Extra coordinator flags, on every start, e.g. <c>--postgres CONNECTION-STRING</c>.</summary>
    public IReadOnlyList<string>? CoordinatorArgs { get; init; }

    /// <summary>
    /// What agents get as <c>--coordinator</c>, from the first coordinator's URL (e.g. that URL and a replica's);
    /// null: that URL alone. Sets <see cref="LocalFleet.AgentCoordinatorUrl"/> before the first agent starts.
    /// </summary>
    public Func<string, string>? AgentCoordinatorUrls { get; init; }

    public AkdPrograms Programs { get; init; } = AkdPrograms.Current;

    /// <summary>How long agents may take to come online (or go offline) before the start fails with their logs.</summary>
    public TimeSpan AgentStateTimeout { get; init; } = TimeSpan.FromSeconds(90);
}
