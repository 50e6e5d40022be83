using System.Globalization;
using Akd.Agent.Reporting;
using Akd.Core.Processes;

namespace Akd.Agent.Upgrades;

/// <summary>
/// Applies a relup to a running <c>mix release</c> with release_handler, through the release's own
/// <c>erl_call</c> (or <c>bin/APP rpc</c> when it ships no ERTS): makes sure <c>releases/RELEASES</c> exists (<c>mix release</c> writes none) and
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
        using var eval = new ReleaseEval();
        var spec = eval.Spec(request, ErlangExpression(request), Expression(request), request.Timeout);
        reporter.Log($"$ {eval.Tool} <release_handler: {request.FromVsn} -> {request.ToVsn}>");
        return await RunAsync(spec, eval.Tool, request, ct).ConfigureAwait(false);
    }

    private async Task<HotUpgradeResult> RunAsync(ProcessSpec spec, string tool, HotUpgradeRequest request, CancellationToken ct)
    {
        ProcessResult result;
        string? verdict;
        string answer;
        try
        {
            (result, verdict, answer) = await ReleaseEval.RunAsync(spec, Marker, reporter, ct).ConfigureAwait(false);
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
            : $"{tool} " + (result.TimedOut ? "timed out" : $"exited with code {result.ExitCode}") + $": {answer}";
        return new HotUpgradeResult(false, detail);
    }

    internal static ProcessSpec RpcSpec(string root, string app, IReadOnlyDictionary<string, string> env, string expression, TimeSpan timeout) =>
        new(Path.Combine(root, "bin", app), ["rpc", expression])
        {
            WorkingDirectory = root,
            Environment = env.ToDictionary(p => p.Key, p => (string?)p.Value),
            Timeout = timeout,
            OutputDrainGrace = TimeSpan.FromMilliseconds(200),
        };

    /// <summary>What <see cref="Expression"/> does, in Erlang, for <see cref="ErlCall"/>.</summary>
    internal static string ErlangExpression(HotUpgradeRequest request) => ErlangTemplate
        .Replace("@APP@", ErlCall.Literal(request.App), StringComparison.Ordinal)
        .Replace("@FROM@", ErlCall.Literal(request.FromVsn), StringComparison.Ordinal)
        .Replace("@TO@", ErlCall.Literal(request.ToVsn), StringComparison.Ordinal)
        .Replace("@MS@", ((long)request.Timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private const string ErlangTemplate = """
        Rels = filename:join(code:root_dir(), "releases"),
        Rel = fun(V) -> filename:join([Rels, V, @APP@ ++ ".rel"]) end,
        case filelib:is_regular(filename:join(Rels, "RELEASES")) of
            true -> ok;
            false ->
                ok = release_handler:create_RELEASES(code:root_dir(), Rels, Rel(@FROM@), []),
                ok = supervisor:terminate_child(sasl_sup, release_handler),
                {ok, _} = supervisor:restart_child(sasl_sup, release_handler)
        end,
        To = @TO@,
        case lists:keymember(To, 2, release_handler:which_releases()) of
            true -> ok;
            false -> {ok, To} = release_handler:set_unpacked(Rel(To), [])
        end,
        case release_handler:install_release(To, [{suspend_timeout, @MS@}, {code_change_timeout, @MS@}]) of
            {ok, From, _} ->
                ok = release_handler:make_permanent(To),
                io:format("akd:hot ok ~ts~n", [From]);
            {error, {code_change_failed, _, Mod, _, {'EXIT', {#{'__exception__' := true} = E, _}}}} ->
                io:format("akd:hot error code_change/3 of ~ts crashed: ~ts~n",
                    ['Elixir.Kernel':inspect(Mod), string:replace('Elixir.Exception':message(E), "\n", " ", all)]);
            Other ->
                io:format("akd:hot error ~0tP~n", [Other, 30])
        end.
        """;

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
              {:error, {:code_change_failed, _pid, mod, _vsn, {:EXIT, {e, _stack} } } } when is_exception(e) ->
                IO.puts("akd:hot error code_change/3 of #{inspect(mod)} crashed: " <> String.replace(Exception.message(e), "\n", " "))
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
        using var eval = new ReleaseEval();
        var erlang = $"io:format(\"~p~n\", [release_handler:remove_release({ErlCall.Literal(request.ToVsn)})]).";
        var elixir = $"IO.inspect(:release_handler.remove_release(String.to_charlist({Literal(request.ToVsn)})))";
        var spec = eval.Spec(request, erlang, elixir, request.HousekeepingTimeout);
        reporter.Log($"$ {eval.Tool} <release_handler:remove_release {request.ToVsn}>");
        await ProcessRunner.RunAsync(spec, reporter.Output, ct).ConfigureAwait(false);
    }
}
