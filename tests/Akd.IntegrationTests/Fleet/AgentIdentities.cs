using Akd.Agent;
using Akd.Agent.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Akd.IntegrationTests.Fleet;

/// <summary>Identities enrolled with the agent's own code, without an agent process.</summary>
internal static class AgentIdentities
{
    /// <summary>
    /// Enrolls an identity the way an agent does (its own key, a join token) without starting an agent
    /// process: tests present its certificate from their own clients. Returns its data dir.
    /// </summary>
    public static async Task<string> EnrollIdentityAsync(this LocalFleet fleet, string name, string labels, CancellationToken ct = default)
    {
        var dataDir = Path.Combine(fleet.Root, "identities", name);
        var options = Options.Create(new AgentOptions
        {
            Coordinator = fleet.CoordinatorUrl, Join = await fleet.JoinTokenAsync(labels, name, ct: ct), DataDir = dataDir, Name = name,
        });
        var identity = new AgentIdentity(options, TimeProvider.System);
        await new Enroller(identity, options, NullLogger<Enroller>.Instance).EnsureEnrolledAsync(ct);
        return dataDir;
    }
}
