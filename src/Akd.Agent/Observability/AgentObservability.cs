namespace Akd.Agent.Observability;

/// <summary>Registers the agent's metrics, and with <c>--metrics-port</c> a Prometheus endpoint on 127.0.0.1 only.</summary>
public static class AgentObservability
{
    public static IServiceCollection AddAgentObservability(this IServiceCollection services, int metricsPort)
    {
        services.AddSingleton<AgentMetrics>();
        if (metricsPort <= 0)
        {
            return services;
        }

        services.AddSingleton<PrometheusMetrics>();
        services.AddHostedService(sp => new MetricsEndpoint(sp.GetRequiredService<PrometheusMetrics>(), metricsPort, sp.GetRequiredService<ILogger<MetricsEndpoint>>()));
        return services;
    }
}
