using Akd.Agent.Releases;
using Akd.Contracts.V1;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Steps;

/// <summary>
/// At start-up, before the agent connects: finishes every activation a previous run died in after
/// switching <c>current</c> (see <see cref="ActivationJournal"/>). Each runs as the step it belonged to,
/// so the hello lists it as running and the coordinator, still waiting for that step within its grace,
/// gets the true result: the release was healthy after all, or the host went back to the previous one.
/// </summary>
internal sealed partial class ActivationRecovery(
    StepExecutor executor, StepContexts contexts, IOptions<AgentOptions> options, ILogger<ActivationRecovery> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var journal = new ActivationJournal(options.Value.DataDir);
        foreach (var (file, pending) in journal.Unfinished())
        {
            if (pending is null || TryParse(pending.Command) is not { } command)
            {
                LogUnreadable(file);
                File.Delete(file);
                continue;
            }

            LogRecovering(pending.ReleaseId, pending.DeployRoot, command.StepId);
            executor.StartRecovery(command, async (manifest, reporter, ct) =>
            {
                var context = contexts.At(pending.DeployRoot, manifest, reporter);
                var activator = context.Activator(await context.SandboxAsync(ct).ConfigureAwait(false), journal: journal);
                return await activator.RecoverAsync(pending, context.Env, ct).ConfigureAwait(false);
            });
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static StepCommand? TryParse(byte[] bytes)
    {
        try
        {
            return StepCommand.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Finishing the activation of {ReleaseId} in {DeployRoot} that the agent's previous run left unchecked (step {StepId})")]
    private partial void LogRecovering(string releaseId, string deployRoot, string stepId);

    [LoggerMessage(EventId = 31, Level = LogLevel.Error, Message = "Activation journal entry {File} is unreadable; deleted")]
    private partial void LogUnreadable(string file);
}
