using Akd.Core.Processes;

namespace Akd.Core.Upgrades;

/// <summary>
/// Makes a release hot-upgradable from a previous one: an <c>.appup</c> per changed application (unless the
/// project has its own in <c>rel/appups/APP/VSN.appup</c>) and <c>releases/VSN/relup</c> from
/// <c>systools:make_relup</c>, all written into the new release. The work is an escript run with the
/// build's Erlang, the ERTS the release ships, so the user's project needs no dependency for it.
/// </summary>
public static class RelupGenerator
{
    private const string ScriptResource = "Akd.Core.Upgrades.relup_generator.escript";

    /// <param name="request">The two releases (unpacked roots) and where the project's own appups live.</param>
    /// <param name="onOutput">Every line the script prints (facts on stdout, errors on stderr).</param>
    /// <exception cref="RelupGenerationException">The script failed: the message quotes why.</exception>
    public static async Task<RelupPlan> GenerateAsync(RelupRequest request, Action<OutputLine>? onOutput, CancellationToken ct)
    {
        var script = Path.Combine(Path.GetTempPath(), $"akd-relup-{Guid.NewGuid():N}.escript");
        await WriteScriptAsync(script, ct).ConfigureAwait(false);
        try
        {
            var lines = new List<string>();
            var errors = new List<string>();
            var spec = new ProcessSpec(request.Escript,
                [script, request.OldRoot, request.OldVsn, request.NewRoot, request.NewVsn, request.ReleaseName, request.AppupsDir ?? ""])
            {
                Timeout = request.Timeout,
                Environment = request.Environment,
            };
            var result = await ProcessRunner.RunAsync(spec, line =>
            {
                lock (lines)
                {
                    (line.Stream == OutputLine.StdOut ? lines : errors).Add(line.Text);
                }

                onOutput?.Invoke(line);
            }, ct).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                var why = result.TimedOut ? $"timed out after {request.Timeout.TotalSeconds:0}s" : $"exit code {result.ExitCode}";
                throw new RelupGenerationException($"generating the relup {request.OldVsn} -> {request.NewVsn} failed ({why}): {string.Join(" ", errors).Trim()}");
            }

            return Parse(lines);
        }
        catch (ProcessStartException ex)
        {
            throw new RelupGenerationException($"cannot run {request.Escript} to generate the relup: {ex.Message}");
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>Reads the script's <c>akd:</c> lines; anything else it printed is only logged.</summary>
    internal static RelupPlan Parse(IEnumerable<string> lines)
    {
        var appups = new List<AppupInfo>();
        var instructions = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var blockers = new List<string>();
        string? relup = null;
        foreach (var line in lines)
        {
            var (kind, rest) = Split(line);
            switch (kind)
            {
                case "akd:appup" when rest.Split(' ') is [var app, var from, var to, var source]:
                    appups.Add(new AppupInfo(app, from, to, source, instructions[app] = []));
                    break;
                case "akd:instruction" when Split(rest) is (var app, var text) && instructions.TryGetValue(app, out var list):
                    list.Add(text);
                    break;
                case "akd:blocker":
                    blockers.Add(rest);
                    break;
                case "akd:relup":
                    relup = rest;
                    break;
            }
        }

        return new RelupPlan(appups, blockers, relup);
    }

    private static (string Head, string Tail) Split(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? (line, "") : (line[..space], line[(space + 1)..]);
    }

    private static async Task WriteScriptAsync(string path, CancellationToken ct)
    {
        await using var resource = typeof(RelupGenerator).Assembly.GetManifestResourceStream(ScriptResource)
            ?? throw new InvalidOperationException($"resource {ScriptResource} is missing from Akd.Core");
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        await resource.CopyToAsync(file, ct).ConfigureAwait(false);
    }
}

/// <summary>The script failed; the message says why, quoting the script's own error.</summary>
public sealed class RelupGenerationException(string message) : Exception(message);
