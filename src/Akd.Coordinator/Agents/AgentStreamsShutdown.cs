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
        app.Lifetime.ApplicationStopping.Register(registry.CloseAll);
    }
}
