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
