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

            // Installs what .tool-versions names and is missing; a no-op when everything is there.
            await RunAsync(context, ["asdf", "install"], log, ct).ConfigureAwait(false);
        }

        // Apps with hex dependencies need the target to reach hex.pm (or a vendored deps/ in the source).
        await RunAsync(context, ToolchainCommand.Resolve(build.Toolchain, ["mix", "deps.get", "--only", build.MixEnv]), log, ct).ConfigureAwait(false);
        await RunAsync(context, ToolchainCommand.Resolve(build.Toolchain, ["mix", "compile"]), log, ct).ConfigureAwait(false);
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
