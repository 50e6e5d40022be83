using Akd.Core.Manifest;
using Akd.Core.Processes;

namespace Akd.Core.Builders;

/// <summary>
/// The <c>source</c> strategy's build, done in the release directory on each target: install the
/// toolchain from <c>.tool-versions</c> (asdf), then <c>mix deps.get --only ENV</c> and
/// <c>MIX_ENV=ENV mix compile</c>, so the app can run from there with <c>mix run</c>.
/// </summary>
public static class SourceCompiler
{
    public static async Task CompileAsync(BuildContext context, Action<OutputLine> log, CancellationToken ct)
    {
        var build = context.Manifest.Build;
        if (build.Toolchain == Toolchain.Asdf)
        {
            if (!File.Exists(Path.Combine(context.ProjectDir, ".tool-versions")))
            {
                throw new BuildFailedException("build.toolchain is asdf, but the source has no .tool-versions next to mix.exs");
            }

            await AddMissingPluginsAsync(context, log, ct).ConfigureAwait(false);

            // Installs what .tool-versions names and is missing; a no-op when everything is there.
            await RunAsync(context, ["asdf", "install"], log, ct).ConfigureAwait(false);
        }

        // Hex dependencies need Hex (and rebar3 for Erlang ones), and the target must reach hex.pm
        // (or the source must vendor deps/). Mix would otherwise ask on a closed stdin and fail.
        if (UsesHex(context.ProjectDir))
        {
            await RunAsync(context, ToolchainCommand.Resolve(build.Toolchain, ["mix", "local.hex", "--force", "--if-missing"]), log, ct).ConfigureAwait(false);
            await RunAsync(context, ToolchainCommand.Resolve(build.Toolchain, ["mix", "local.rebar", "--force", "--if-missing"]), log, ct).ConfigureAwait(false);
        }

        await RunAsync(context, ToolchainCommand.Resolve(build.Toolchain, ["mix", "deps.get", "--only", build.MixEnv]), log, ct).ConfigureAwait(false);
        await RunAsync(context, ToolchainCommand.Resolve(build.Toolchain, ["mix", "compile"]), log, ct).ConfigureAwait(false);
    }

    /// <summary>The tools in .tool-versions, in order; comments and blank lines skipped.</summary>
    internal static IReadOnlyList<string> ToolVersionsTools(string projectDir) =>
        File.ReadAllLines(Path.Combine(projectDir, ".tool-versions"))
            .Select(line => line.Split('#')[0].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 2)
            .Select(fields => fields[0])
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>A fresh host has asdf but not its erlang/elixir plugins; <c>asdf install</c> needs them.</summary>
    private static async Task AddMissingPluginsAsync(BuildContext context, Action<OutputLine> log, CancellationToken ct)
    {
        ProcessResult result;
        string stdout;
        try
        {
            (result, stdout) = await ProcessRunner.CaptureAsync(
                new ProcessSpec("asdf", ["plugin", "list"]) { WorkingDirectory = context.ProjectDir, Timeout = TimeSpan.FromMinutes(1) }, ct).ConfigureAwait(false);
        }
        catch (ProcessStartException ex)
        {
            throw new BuildFailedException($"{ex.Message} (build.toolchain is asdf: is asdf installed and on the agent's PATH?)");
        }

        var installed = result.Succeeded
            ? stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal)
            : [];
        foreach (var tool in ToolVersionsTools(context.ProjectDir).Where(t => !installed.Contains(t)))
        {
            await RunAsync(context, ["asdf", "plugin", "add", tool], log, ct).ConfigureAwait(false);
        }
    }

    /// <summary>True when mix.lock pins a hex package (a project without one needs no Hex at all).</summary>
    internal static bool UsesHex(string projectDir)
    {
        var lockFile = Path.Combine(projectDir, "mix.lock");
        return File.Exists(lockFile) && File.ReadAllText(lockFile).Contains("{:hex,", StringComparison.Ordinal);
    }

    private static async Task RunAsync(BuildContext context, IReadOnlyList<string> command, Action<OutputLine> log, CancellationToken ct)
    {
        var mixEnv = context.Manifest.Build.MixEnv;
        var env = new Dictionary<string, string?>(context.Env) { ["MIX_ENV"] = mixEnv };
        var spec = new ProcessSpec(command[0], command.Skip(1).ToList())
        {
            WorkingDirectory = context.ProjectDir,
            Environment = env,
            Timeout = context.CommandTimeout,
        };
        log(new OutputLine("agent", $"$ MIX_ENV={mixEnv} {spec.Display}"));
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(spec, log, ct).ConfigureAwait(false);
        }
        catch (ProcessStartException ex)
        {
            var hint = command[0] == "asdf" ? "is asdf installed and on the agent's PATH?" : "is Elixir installed on this host?";
            throw new BuildFailedException($"{ex.Message} ({hint})");
        }

        if (result.TimedOut)
        {
            throw new BuildFailedException($"'{spec.Display}' did not finish within {context.CommandTimeout.TotalMinutes:0.#} minutes");
        }

        if (result.ExitCode != 0)
        {
            throw new BuildFailedException($"'{spec.Display}' failed with exit code {result.ExitCode}");
        }
    }
}
