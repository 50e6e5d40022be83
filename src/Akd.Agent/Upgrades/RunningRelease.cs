using Akd.Agent.Reporting;
using Akd.Core.Processes;

namespace Akd.Agent.Upgrades;

/// <summary>The version release_handler says a VM runs, and how far it got: <c>current</c> (installed) or <c>permanent</c>.</summary>
internal sealed record RunningVersion(string Vsn, string Status)
{
    public bool Permanent => Status == "permanent";
}

/// <summary>
/// Asks a running release's VM which version it runs (<c>release_handler:which_releases/0</c>), and makes an
/// installed version permanent. release_handler serves one call at a time, so a question asked while an
/// <c>install_release</c> is still under way is answered once it has finished.
/// </summary>
internal static class RunningRelease
{
    private const string Marker = "akd:running ";

    /// <returns>Null when the VM did not answer (it says why in the step log).</returns>
    public static async Task<RunningVersion?> WhichAsync(HotUpgradeRequest request, StepReporter reporter, CancellationToken ct)
    {
        const string erlang = """
            Rs = release_handler:which_releases(),
            case [{V, S} || {_, V, _, S} <- Rs, S =:= current] ++ [{V, S} || {_, V, _, S} <- Rs, S =:= permanent] of
                [{V, S} | _] -> io:format("akd:running ~ts ~ts~n", [V, S]);
                [] -> io:format("akd:running none~n")
            end.
            """;
        const string elixir = """
            rs = :release_handler.which_releases()
            case (for {_, v, _, :current} <- rs, do: {v, :current}) ++ (for {_, v, _, :permanent} <- rs, do: {v, :permanent}) do
              [{v, s} | _] -> IO.puts("akd:running #{v} #{s}")
              [] -> IO.puts("akd:running none")
            end
            """;
        reporter.Log($"$ <release_handler:which_releases() in the VM of {request.RunningRoot}>");
        var answer = await EvalAsync(request, erlang, elixir, reporter, ct).ConfigureAwait(false);
        var parts = answer?.Split(' ', 2);
        return parts is [var vsn, var status] ? new RunningVersion(vsn, status) : null;
    }

    /// <summary>release_handler:make_permanent of <see cref="HotUpgradeRequest.ToVsn"/>: the next boot of the VM starts it.</summary>
    public static async Task<bool> MakePermanentAsync(HotUpgradeRequest request, StepReporter reporter, CancellationToken ct)
    {
        var erlang = $"io:format(\"akd:running ~p~n\", [release_handler:make_permanent({ErlCall.Literal(request.ToVsn)})]).";
        var elixir = $"IO.puts(\"akd:running #{{inspect(:release_handler.make_permanent(String.to_charlist({HotUpgrader.Literal(request.ToVsn)})))}}\")";
        reporter.Log($"$ <release_handler:make_permanent {request.ToVsn}>");
        return await EvalAsync(request, erlang, elixir, reporter, ct).ConfigureAwait(false) == "ok";
    }

    private static async Task<string?> EvalAsync(HotUpgradeRequest request, string erlang, string elixir, StepReporter reporter, CancellationToken ct)
    {
        try
        {
            using var eval = new ReleaseEval();
            var spec = eval.Spec(request, erlang, elixir, request.Timeout);
            var (_, answer, _) = await ReleaseEval.RunAsync(spec, Marker, reporter, ct).ConfigureAwait(false);
            return answer?.Trim();
        }
        catch (ProcessStartException ex)
        {
            reporter.Log(ex.Message);
            return null;
        }
    }
}
