namespace Akd.Contracts.V1;

/// <summary>
/// The agent protocol this build speaks (AgentHub, steps, specs) and the one rule for two versions
/// meeting: the same major works together whatever the minors, another major is refused at hello.
/// </summary>
public static class AgentProtocol
{
    /// <summary>2: steps carry typed specs (<see cref="BuildSpec"/>, <see cref="ActivateSpec"/>); 1 sent the manifest's YAML.</summary>
    public const uint Major = 2;

    /// <summary>
    /// Raised when a field or message is added: each side skips what it does not know.
    /// 1: results carry their deployment, the agent keeps them until a <see cref="ResultAck"/> and lists them in its hello.
    /// 2: the coordinator announces a release while its build uploads it (<see cref="ArtifactPrefetch"/>);
    ///    <see cref="Toolchain.AppRunner"/> says how the host runs apps; <see cref="ActivateSpec.User"/> carries deploy.user.
    /// 3: states, step kinds, phases and operations travel as the vocabulary's enums, each beside the text field it
    ///    replaces, still filled for older peers (<see cref="WireVocabulary"/>).
    /// 4: a kept release's last result travels the same way (<see cref="KeptRelease.LastResult"/>, a <see cref="RevisionResult"/>).
    /// 5: the agent keeps no ping's result (nothing waits for one after a reconnect), so the coordinator sends no
    ///    <see cref="ResultAck"/> for it: one message less each way per agent and ping (<see cref="KeepsPingResults"/>).
    /// 6: <see cref="Toolchain.Probed"/> says whether the toolchain is a probe's result (<see cref="ReportsProbe"/>).
    /// </summary>
    public const uint Minor = 6;

    /// <summary>The first minor whose agents keep no ping's result and so need no <see cref="ResultAck"/> for one.</summary>
    public const uint PingResultsUnkeptSince = 5;

    /// <summary>The first minor whose agents set <see cref="Toolchain.Probed"/>.</summary>
    public const uint ProbedToolchainSince = 6;

    /// <summary>Whether an agent that announced <paramref name="peer"/> sets <see cref="Toolchain.Probed"/> itself.</summary>
    public static bool ReportsProbe(ProtocolVersion? peer) => Effective(peer).Minor >= ProbedToolchainSince;

    /// <summary>Trailer of a hello refused for its version (FAILED_PRECONDITION): the coordinator's version, e.g. "2.0".</summary>
    public const string RefusedTrailer = "akd-protocol";

    public static ProtocolVersion Current => new() { Major = Major, Minor = Minor };

    /// <summary>Whether a peer that announced <paramref name="peer"/> can work with this build.</summary>
    public static bool IsCompatible(ProtocolVersion? peer) => Effective(peer).Major == Major;

    /// <summary>
    /// Whether an agent that announced <paramref name="peer"/> keeps a ping's result until it is acknowledged: agents of
    /// an older minor do (and would resend it after each reconnect and keep its file forever without the ack).
    /// </summary>
    public static bool KeepsPingResults(ProtocolVersion? peer) => Effective(peer).Minor < PingResultsUnkeptSince;

    /// <summary>"major.minor"; an unset version reads 1.0 (peers from before the protocol had a version).</summary>
    public static string Format(ProtocolVersion? version)
    {
        var v = Effective(version);
        return $"{v.Major}.{v.Minor}";
    }

    private static ProtocolVersion Effective(ProtocolVersion? version) => version ?? new ProtocolVersion { Major = 1 };
}
