using System.Text;
using Akd.Agent.Reporting;
using Akd.Core.Processes;

namespace Akd.Agent.Upgrades;

/// <summary>
/// The process that evaluates code in a running release's VM: the release's <c>erl_call</c> when it has one and the
/// node can be told, else <c>bin/APP rpc</c>; either way run as the app's user through its sandbox, as the VM itself
/// is, so the agent's rights never reach the app's node. Disposing removes erl_call's private HOME.
/// </summary>
internal sealed class ReleaseEval : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), $"akd-erl-call-{Guid.NewGuid():N}");

    /// <summary>The program <see cref="Spec"/> chose (<c>erl_call</c> or <c>APP</c>), for the step log; not the sandbox's wrapper.</summary>
    public string Tool { get; private set; } = "";

    /// <param name="erlang">Erlang forms for erl_call (ending in <c>.</c>).</param>
    /// <param name="elixir">The same in Elixir, for <c>bin/APP rpc</c>.</param>
    /// <param name="timeout">
    /// How long the evaluation may take; erl_call's process gets the request's <see cref="HotUpgradeRequest.ErlCallMargin"/> more, the rpc
    /// fallback its <see cref="HotUpgradeRequest.RpcBootTime"/> more to boot its VM.
    /// </param>
    public ProcessSpec Spec(HotUpgradeRequest request, string erlang, string elixir, TimeSpan timeout)
    {
        var erlCall = request.ReleaseRpcOnly ? null : ErlCall.Find(request.RunningRoot);
        var spec = (erlCall is null ? null : ErlCall.Spec(erlCall, request.RunningRoot, request.Env, erlang, timeout, request.ErlCallMargin, _home, request.Sandbox.User))
            ?? HotUpgrader.RpcSpec(request.RunningRoot, request.App, request.Env, elixir, timeout + request.RpcBootTime);
        Tool = Path.GetFileName(spec.FileName);
        return request.Sandbox.Wrap(spec);
    }

    /// <summary>
    /// Runs <paramref name="spec"/>: the line starting with <paramref name="marker"/> is the code's verdict (the rest of
    /// that line, kept out of the step log); every other line goes to the step log and into the answer, which a failure quotes.
    /// </summary>
    /// <exception cref="ProcessStartException">The tool could not be started.</exception>
    public static async Task<(ProcessResult Result, string? Verdict, string Answer)> RunAsync(
        ProcessSpec spec, string marker, StepReporter reporter, CancellationToken ct)
    {
        var answer = new StringBuilder();
        string? verdict = null;
        var result = await ProcessRunner.RunAsync(spec, line =>
        {
            if (line.Text.StartsWith(marker, StringComparison.Ordinal))
            {
                verdict = line.Text[marker.Length..];
            }
            else
            {
                lock (answer)
                {
                    answer.AppendLine(line.Text);
                }

                reporter.Output(line);
            }
        }, ct).ConfigureAwait(false);
        return (result, verdict, answer.ToString().Trim());
    }

    public void Dispose()
    {
        if (Directory.Exists(_home))
        {
            Directory.Delete(_home, recursive: true);
        }
    }
}
