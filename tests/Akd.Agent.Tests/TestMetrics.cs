using System.Diagnostics.Metrics;
using Akd.Agent.Observability;
using Akd.Agent.Reporting;
using Microsoft.Extensions.DependencyInjection;

namespace Akd.Agent.Tests;

/// <summary>Real agent metrics on a meter factory of the test's own, for the types that record into them.</summary>
internal static class TestMetrics
{
    private static readonly ServiceProvider Services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public static AgentMetrics Agent { get; } = new(Services.GetRequiredService<IMeterFactory>());

    public static StepReporter Reporter(Outbox outbox, string stepId) => new(outbox, stepId, Agent, "test");
}
