using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Akd.Coordinator.Agents;

/// <summary>
/// A graceful stop that is also quick: agent streams never end by themselves, so without this the host
/// would wait its whole shutdown timeout for them. They are closed as soon as the stop begins, and the
/// rest of the calls get <see cref="CoordinatorOptions.ShutdownTimeout"/>.
/// </summary>
internal static class AgentStreamsShutdown
{
    public static void AddQuickShutdown(this WebApplicationBuilder builder)
    {
        var timeout = builder.Configuration.GetSection("Coordinator").Get<CoordinatorOptions>()?.ShutdownTimeout ?? new CoordinatorOptions().ShutdownTimeout;
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = timeout);
    }

    /// <summary>
    /// Once the stop began, a new connection is closed before its TLS handshake. The streams the stop closes reconnect
    /// at once while the listener is still open (the host unbinds it only after the stopping callbacks): each a
    /// handshake (~4 ms of CPU at 10,000 agents) only to be refused after it. Closed first, each costs an accept, and
    /// the agent tries again (here after a restart, or on another replica). Must run before the https URL's TLS
    /// middleware: it is added with the endpoint defaults, which Kestrel applies before it adds TLS.
    /// </summary>
    public static void RefuseConnectionsWhileStopping(this ListenOptions endpoint)
    {
        var registry = endpoint.ApplicationServices.GetRequiredService<AgentRegistry>();
        endpoint.Use(next => RefuseWhileStopping(next, registry));
    }

    /// <summary>The connection middleware: aborts the connection once <paramref name="registry"/> is stopping, else passes it on.</summary>
    internal static ConnectionDelegate RefuseWhileStopping(ConnectionDelegate next, AgentRegistry registry) => connection =>
    {
        if (registry.Stopping)
        {
            connection.Abort();
            return Task.CompletedTask;
        }

        return next(connection);
    };

    public static void CloseAgentStreamsOnStop(this WebApplication app)
    {
        var registry = app.Services.GetRequiredService<AgentRegistry>();
        var liveness = app.Services.GetRequiredService<AgentLiveness>();
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            // No hello is taken from now on; the held agents are marked offline in one statement while their streams end
            // (each stream's end waits for it, so the host's drain of the calls does too).
            registry.CloseAll();
            _ = liveness.MarkHeldOfflineAtStopAsync();
        });
    }
}
