using System.Globalization;
using System.Text;
using Akd.Agent.Steps;
using Akd.Core.Processes;

namespace Akd.Agent.Upgrades;

/// <summary>
/// Applies a relup to a running <c>mix release</c> with release_handler, through the release's own
/// <c>bin/APP rpc</c>: makes sure <c>releases/RELEASES</c> exists (<c>mix release</c> writes none) and
/// release_handler has read it, marks the new version unpacked, installs it and makes it permanent.
/// The same call goes back to an older version (a hot downgrade: the relup's down instructions).
/// When an instruction fails after the point of no return, release_handler restarts the VM in place
/// (same OS process) on the permanent release, which is still the old one.
/// </summary>
internal sealed class HotUpgrader(StepReporter reporter)
{
    private const string Marker = "akd:hot ";

    public async Task<HotUpgradeResult> ApplyAsync(HotUpgradeRequest request, CancellationToken ct)
    {
        var spec = new ProcessSpec(Path.Combine(request.RunningRoot, "bin", request.App), ["rpc", Expression(request)])
        {
            WorkingDirectory = request.RunningRoot,
            Environment = request.Env.ToDictionary(p => p.Key, p => (string?)p.Value),
            Timeout = request.Timeout + TimeSpan.FromSeconds(30),
            OutputDrainGrace = TimeSpan.FromMilliseconds(200),
        };
        reporter.Log($"$ bin/{request.App} rpc <release_handler: {request.FromVsn} -> {request.ToVsn}>");
        var answer = new StringBuilder();
        string? verdict = null;
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(spec, line =>
            {
                if (line.Text.StartsWith(Marker, StringComparison.Ordinal))
                {
                    verdict = line.Text[Marker.Length..];
                }
                else
                {
                    answer.AppendLine(line.Text);
                    reporter.Output(line);
                }
            }, ct).ConfigureAwait(false);
        }
        catch (ProcessStartException ex)
        {
            throw new HotUpgradeException(ex.Message);
        }

        if (verdict is not null && verdict.StartsWith("ok ", StringComparison.Ordinal))
        {
            return new HotUpgradeResult(true, $"release_handler went from {verdict[3..]} to {request.ToVsn}");
        }

        var detail = verdict is not null && verdict.StartsWith("error ", StringComparison.Ordinal)
            ? verdict[6..]
            : $"bin/{request.App} rpc " + (result.TimedOut ? "timed out" : $"exited with code {result.ExitCode}") + $": {answer.ToString().Trim()}";
        return new HotUpgradeResult(false, detail);
    }

    /// <summary>
    /// The Elixir evaluated in the running node. Values enter only as escaped string literals; the
    /// timeouts are integers.
    /// </summary>
    internal static string Expression(HotUpgradeRequest request)
    {
        var ms = ((long)request.Timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        var app = Literal(request.App);
        return $$"""
            rels = Path.join(List.to_string(:code.root_dir()), "releases")
            rel = fn vsn -> String.to_charlist(Path.join([rels, vsn, {{app}} <> ".rel"])) end
            unless File.exists?(Path.join(rels, "RELEASES")) do
              :ok = :release_handler.create_RELEASES(:code.root_dir(), String.to_charlist(rels), rel.({{Literal(request.FromVsn)}}), [])
              :ok = :supervisor.terminate_child(:sasl_sup, :release_handler)
              {:ok, _} = :supervisor.restart_child(:sasl_sup, :release_handler)
            end
            to = String.to_charlist({{Literal(request.ToVsn)}})
            unless Enum.any?(:release_handler.which_releases(), fn {_, v, _, _} -> v == to end) do
              {:ok, ^to} = :release_handler.set_unpacked(rel.({{Literal(request.ToVsn)}}), [])
            end
            case :release_handler.install_release(to, suspend_timeout: {{ms}}, code_change_timeout: {{ms}}) do
              {:ok, from, _} ->
                :ok = :release_handler.make_permanent(to)
                IO.puts("akd:hot ok #{from}")
              other ->
                IO.puts("akd:hot error " <> inspect(other, limit: 30, printable_limit: 400, width: :infinity))
            end
            """;
    }

    /// <summary>An Elixir string literal: backslash, quote and interpolation escaped.</summary>
    internal static string Literal(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("#", "\\#", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal) + "\"";

    /// <summary>After a failed upgrade the VM is back on the old version: forget the new one (files and RELEASES entry).</summary>
    public async Task RemoveAsync(HotUpgradeRequest request, CancellationToken ct)
    {
        var expression = $"IO.inspect(:release_handler.remove_release(String.to_charlist({Literal(request.ToVsn)})))";
        var spec = new ProcessSpec(Path.Combine(request.RunningRoot, "bin", request.App), ["rpc", expression])
        {
            WorkingDirectory = request.RunningRoot,
            Environment = request.Env.ToDictionary(p => p.Key, p => (string?)p.Value),
            Timeout = TimeSpan.FromSeconds(60),
            OutputDrainGrace = TimeSpan.FromMilliseconds(200),
        };
        reporter.Log($"$ bin/{request.App} rpc <release_handler:remove_release {request.ToVsn}>");
        await ProcessRunner.RunAsync(spec, reporter.Output, ct).ConfigureAwait(false);
    }
}
