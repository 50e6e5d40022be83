using Akd.Agent.Reporting;
using Akd.Core.Processes;

namespace Akd.Agent.Upgrades;

/// <summary>
/// A hot upgrade of a running distillery release through distillery's own command, <c>bin/APP upgrade VSN</c>:
/// release_handler in the running node installs VSN and makes it permanent. The agent has copied VSN's files into
/// the running root beforehand (the app's user cannot write there), so release_handler is first told that VSN is
/// unpacked (and given a <c>RELEASES</c> file when the release has none); distillery then finds it unpacked and
/// installs it instead of unpacking a tarball. Both run as the app's user, through <c>bin/APP rpc</c> and
/// <c>bin/APP upgrade</c>, which read the node's name and cookie from the release's <c>vm.args</c>.
/// </summary>
internal sealed class DistilleryUpgrade(StepReporter reporter)
{
    private const string Marker = "akd:hot ";

    /// <summary>How many of the command's last lines a failure quotes.</summary>
    private const int QuotedLines = 6;

    public async Task<HotUpgradeResult> ApplyAsync(HotUpgradeRequest request, CancellationToken ct)
    {
        var prepared = await PrepareAsync(request, ct).ConfigureAwait(false);
        if (prepared is not null)
        {
            return new HotUpgradeResult(false, prepared);
        }

        var spec = request.Sandbox.Wrap(new ProcessSpec(Path.Combine(request.RunningRoot, "bin", request.App), ["upgrade", request.ToVsn])
        {
            WorkingDirectory = request.RunningRoot,
            Environment = Env(request),
            Timeout = request.Timeout + request.RpcBootTime,
            OutputDrainGrace = TimeSpan.FromMilliseconds(200),
        });
        reporter.Log($"$ bin/{request.App} upgrade {request.ToVsn}");
        var tail = new Queue<string>();
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(spec, line =>
            {
                lock (tail)
                {
                    tail.Enqueue(line.Text);
                    if (tail.Count > QuotedLines)
                    {
                        tail.Dequeue();
                    }
                }

                reporter.Output(line);
            }, ct).ConfigureAwait(false);
        }
        catch (ProcessStartException ex)
        {
            return new HotUpgradeResult(false, ex.Message);
        }

        var said = string.Join(" ", tail.Select(l => l.Trim()).Where(l => l.Length > 0));
        return result.Succeeded
            ? new HotUpgradeResult(true, $"bin/{request.App} upgrade {request.ToVsn}: {said}")
            : new HotUpgradeResult(false, $"bin/{request.App} upgrade {request.ToVsn} " + (result.TimedOut ? "timed out" : $"exited with code {result.ExitCode}") + $": {said}");
    }

    /// <returns>Null when release_handler knows <see cref="HotUpgradeRequest.ToVsn"/> as unpacked; otherwise why not.</returns>
    private async Task<string?> PrepareAsync(HotUpgradeRequest request, CancellationToken ct)
    {
        using var eval = new ReleaseEval();
        var spec = eval.Spec(request, "", PrepareExpression(request), request.Timeout);
        reporter.Log($"$ {eval.Tool} <release_handler: {request.ToVsn} unpacked in the running node>");
        try
        {
            var (result, verdict, answer) = await ReleaseEval.RunAsync(spec, Marker, reporter, ct).ConfigureAwait(false);
            return verdict == "unpacked" ? null
                : $"telling release_handler that {request.ToVsn} is unpacked failed: {eval.Tool} " +
                  (result.TimedOut ? "timed out" : $"exited with code {result.ExitCode}") + $": {answer}";
        }
        catch (ProcessStartException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Elixir for <c>bin/APP rpc</c>: values enter only as escaped string literals.</summary>
    internal static string PrepareExpression(HotUpgradeRequest request) => $$"""
        rels = Path.join(List.to_string(:code.root_dir()), "releases")
        rel = fn vsn -> String.to_charlist(Path.join([rels, vsn, {{HotUpgrader.Literal(request.App)}} <> ".rel"])) end
        unless File.exists?(Path.join(rels, "RELEASES")) do
          :ok = :release_handler.create_RELEASES(:code.root_dir(), String.to_charlist(rels), rel.({{HotUpgrader.Literal(request.FromVsn)}}), [])
          :ok = :supervisor.terminate_child(:sasl_sup, :release_handler)
          {:ok, _} = :supervisor.restart_child(:sasl_sup, :release_handler)
        end
        to = String.to_charlist({{HotUpgrader.Literal(request.ToVsn)}})
        unless Enum.any?(:release_handler.which_releases(), fn {_, v, _, _} -> v == to end) do
          {:ok, ^to} = :release_handler.set_unpacked(rel.({{HotUpgrader.Literal(request.ToVsn)}}), [])
        end
        IO.puts("akd:hot unpacked")
        """;

    /// <summary>Distillery's scripts always replace <c>${VAR}</c> in vm.args for remote commands; the flag is set as for a start.</summary>
    private static Dictionary<string, string?> Env(HotUpgradeRequest request)
    {
        var env = request.Env.ToDictionary(p => p.Key, p => (string?)p.Value);
        env.TryAdd("REPLACE_OS_VARS", "true");
        return env;
    }
}
