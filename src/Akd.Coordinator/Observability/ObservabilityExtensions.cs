using Akd.Core.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Akd.Coordinator.Observability;

/// <summary>
/// What operators and their tools look at: <c>grpc.health.v1</c> (anonymous), server reflection (behind
/// the same tokens as the API), and <c>/metrics</c> in the Prometheus text format.
/// </summary>
public static class ObservabilityExtensions
{
    /// <summary>Buckets for store latency: SQLite answers in well under a millisecond unless the connection is busy.</summary>
    private static readonly double[] StoreBuckets = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

    public static IServiceCollection AddAkdObservability(this IServiceCollection services)
    {
        services.AddSingleton<CoordinatorMetrics>();
        services.AddGrpcHealthChecks().AddCheck<StoreHealthCheck>("store");
        services.AddGrpcReflection();
        services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("akd-coordinator")).WithMetrics(metrics => metrics
            .AddMeter(CoordinatorMetrics.MeterName)
            .AddView("akd_step_duration", new ExplicitBucketHistogramConfiguration { Boundaries = StepInstruments.DurationBuckets })
            .AddView("akd_phase_duration", new ExplicitBucketHistogramConfiguration { Boundaries = StepInstruments.DurationBuckets })
            .AddView("akd_store_operation_duration", new ExplicitBucketHistogramConfiguration { Boundaries = StoreBuckets })
            .AddPrometheusExporter());
        return services;
    }

    public static WebApplication MapAkdObservability(this WebApplication app)
    {
        // Instruments with a callback (agents connected) are created with the metrics object: make sure it exists before the first scrape.
        app.Services.GetRequiredService<CoordinatorMetrics>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapPrometheusScrapingEndpoint().RequireViewerToken();
        return app;
    }
}
