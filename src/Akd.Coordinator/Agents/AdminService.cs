using System.Diagnostics;
using Akd.Contracts.V1;
using Akd.Coordinator.Enrollment;
using Akd.Coordinator.Errors;
using Akd.Core.Manifest;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Agents;

/// <summary>
/// Operator tools outside deployments. <see cref="PingAgents"/> sends every matching online agent a
/// no-op step over its command stream and waits for the replies: the same path a deployment's steps
/// take, so its time is the coordinator's own cost of one command round across the fleet.
/// </summary>
public sealed class AdminService(AgentRegistry registry, AgentIdentities identities, IOptions<CoordinatorOptions> options) : Admin.AdminBase
{
    private const int MaxListedFailures = 20;

    public override async Task<PingAgentsResponse> PingAgents(PingAgentsRequest request, ServerCallContext context)
    {
        LabelSelector selector;
        try
        {
            selector = LabelSelector.Parse(request.Selector);
        }
        catch (FormatException ex)
        {
            throw new InvalidRequestException(ex.Message);
        }

        var timeout = request.TimeoutMs > 0 ? TimeSpan.FromMilliseconds(request.TimeoutMs) : options.Value.PingTimeout;
        var agents = await registry.MatchingAnywhereAsync(selector, context.CancellationToken).ConfigureAwait(false);
        using var round = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        round.CancelAfter(timeout);

        var watch = Stopwatch.StartNew();
        var results = await Task.WhenAll(agents.Select(a => PingAsync(a.Name, timeout, round.Token))).ConfigureAwait(false);
        var elapsed = watch.Elapsed;

        var response = new PingAgentsResponse
        {
            Agents = agents.Count,
            Answered = results.Count(r => r is null),
            ElapsedMs = elapsed.TotalMilliseconds,
        };
        response.Failures.AddRange(results.Where(r => r is not null).Take(MaxListedFailures)!);

        // The agents the selector names that could not be pinged: an operator checking the fleet must see them too.
        // Read after the round, so it costs the round nothing; one that connected meanwhile is not offline.
        var pinged = agents.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        response.Offline.AddRange((await identities.EnrolledMatchingAsync(selector, context.CancellationToken).ConfigureAwait(false))
            .Where(name => !pinged.Contains(name) && !registry.IsOnline(name))
            .Order(StringComparer.Ordinal));
        return response;
    }

    /// <summary>Null when the agent answered ok, else why not.</summary>
    private async Task<string?> PingAsync(string agent, TimeSpan timeout, CancellationToken ct)
    {
        var command = new StepCommand
        {
            StepId = Guid.NewGuid().ToString("N"),
            DeadlineSeconds = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds)),
            Ping = new PingStep(),
        };
        try
        {
            var result = await registry.RunStepAsync(agent, command, _ => { }, ct).ConfigureAwait(false);
            return result.Ok ? null : $"{agent}: {result.Error}";
        }
        catch (OperationCanceledException)
        {
            return $"{agent}: no answer within {timeout.TotalMilliseconds:0} ms";
        }
    }
}
