using Akd.Core.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

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

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("akd-agent"))
            .WithMetrics(metrics => metrics
                .AddMeter(AgentMetrics.MeterName)
                .AddView("akd_agent_step_duration", new ExplicitBucketHistogramConfiguration { Boundaries = StepInstruments.DurationBuckets })
                .AddView("akd_agent_phase_duration", new ExplicitBucketHistogramConfiguration { Boundaries = StepInstruments.DurationBuckets })
                // Loopback only: the agent has no inbound port; a local collector (or an SSH tunnel) scrapes it.
                .AddPrometheusHttpListener(listener =>
                {
                    listener.Host = "127.0.0.1";
                    listener.Port = metricsPort;
                }));
        return services;
    }
}
