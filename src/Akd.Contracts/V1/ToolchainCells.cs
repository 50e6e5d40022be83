namespace Akd.Contracts.V1;

/// <summary>What a listing of agents (akdctl agents, the dashboard's fleet page) shows for one tool of an agent.</summary>
public static class ToolchainCells
{
    /// <summary>Shown for every tool of an agent that has not reported a probe yet.</summary>
    public const string NotProbed = "?";

    /// <summary>
    /// The tool's version; "-" when the agent's probe found none; <see cref="NotProbed"/> while the agent has not reported
    /// a probe (it connects first and probes in the background, which boots a VM or three): not known is not none.
    /// </summary>
    public static string Tool(Toolchain? toolchain, Func<Toolchain, string> version) =>
        toolchain is not { Probed: true } ? NotProbed : version(toolchain) is { Length: > 0 } found ? found : "-";
}
