using Akd.Contracts.V1;
using Akd.Coordinator.Agents;
using Akd.Coordinator.Storage;

namespace Akd.Coordinator.Dashboard;

/// <summary><c>/</c>: every agent the coordinator knows, as <c>akdctl agents</c> lists them, plus the steps each runs now.</summary>
internal static class FleetPage
{
    public static void Map(RouteGroupBuilder group) => group.MapGet("/", async (HttpContext context, DashboardGate gate, AgentStore agents, AgentRegistry registry) =>
    {
        var ct = context.RequestAborted;
        if (await gate.AuthorizeAsync(context, DashboardAccess.ListAgents, ct).ConfigureAwait(false) is not { } signedIn)
        {
            return;
        }

        var list = await agents.ListAsync(ct).ConfigureAwait(false);
        var running = registry.Online.ToDictionary(a => a.Name, a => a.RunningSteps, StringComparer.Ordinal);
        await DashboardResponses.WriteAsync(context, Layout.Page("Fleet", signedIn.Session, signedIn.Caller, html => Render(html, list, running)), ct)
            .ConfigureAwait(false);
    });

    public static void Render(Html html, IReadOnlyList<AgentInfo> agents, IReadOnlyDictionary<string, int> runningSteps)
    {
        html.Element("h1", "Fleet");
        if (agents.Count == 0)
        {
            html.Element("p", "No agent has connected yet: akdctl agents join-token --labels role=web, then akd-agent --join TOKEN.", ("class", "hint"));
            return;
        }

        html.Open("div", ("class", "scroll")).Open("table", ("id", "agents")).Open("thead").Open("tr");
        foreach (var column in new[] { "Name", "Labels", "State", "Agent", "Elixir", "OTP", "Hex", "Rebar3", "Runner", "Steps", "Last seen" })
        {
            html.Element("th", column);
        }

        html.Close("tr").Close("thead").Open("tbody");
        foreach (var a in agents)
        {
            html.Open("tr", ("data-agent", a.Name))
                .Element("td", a.Name)
                .Element("td", Cells.Dash(Cells.Labels(a.Labels)))
                .Open("td").Element("span", a.State.Text(), ("class", Cells.StateClass(a.State.Text()))).Close("td")
                .Element("td", Cells.Dash(a.AgentVersion))
                .Element("td", ToolchainCells.Tool(a.Toolchain, t => t.Elixir))
                .Element("td", ToolchainCells.Tool(a.Toolchain, t => t.Otp))
                .Element("td", ToolchainCells.Tool(a.Toolchain, t => t.Hex))
                .Element("td", ToolchainCells.Tool(a.Toolchain, t => t.Rebar3))
                .Element("td", Cells.Dash(a.Toolchain?.AppRunner))
                .Element("td", runningSteps.TryGetValue(a.Name, out var steps) ? steps.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")
                .Element("td", Cells.Time(a.LastSeen))
                .Close("tr");
        }

        html.Close("tbody").Close("table").Close("div");
    }
}
