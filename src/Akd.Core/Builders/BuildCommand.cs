using Akd.Core.Manifest;
using Akd.Core.Processes;

namespace Akd.Core.Builders;

/// <summary>Runs one build command in the project with MIX_ENV set, and turns a failure into a <see cref="BuildFailedException"/>.</summary>
internal static class BuildCommand
{
    /// <summary>Runs a mix task through the manifest's toolchain (the system's mix, or <c>asdf exec mix</c>).</summary>
    public static Task MixAsync(BuildContext context, IReadOnlyList<string> mixArgs, Action<OutputLine> log, CancellationToken ct) =>
        RunAsync(context, ToolchainCommand.Resolve(context.Manifest.Build.Toolchain, ["mix", .. mixArgs]), log, ct);

    public static async Task RunAsync(BuildContext context, IReadOnlyList<string> command, Action<OutputLine> log, CancellationToken ct)
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
        var cause = new FailureCause();
        try
        {
            result = await ProcessRunner.RunAsync(spec, cause.Watch(log), ct).ConfigureAwait(false);
        }
        catch (ProcessStartException ex)
        {
            var hint = command[0] == "asdf" ? "build.toolchain is asdf: is asdf installed and on the agent's PATH?" : "is Elixir installed on this host?";
            throw new BuildFailedException($"{ex.Message} ({hint})");
        }

        if (result.TimedOut)
        {
            throw new BuildFailedException($"'{spec.Display}' did not finish within {context.CommandTimeout.TotalMinutes:0.#} minutes");
        }

        if (result.ExitCode != 0)
        {
            throw new BuildFailedException(cause.Append($"'{spec.Display}' failed with exit code {result.ExitCode}"));
        }
    }

    /// <summary>With <c>build.toolchain: asdf</c>, installs what <c>.tool-versions</c> names before anything runs.</summary>
    public static Task PrepareToolchainAsync(BuildContext context, Action<OutputLine> log, CancellationToken ct) =>
        context.Manifest.Build.Toolchain == Toolchain.Asdf ? AsdfToolchain.InstallAsync(context, log, ct) : Task.CompletedTask;
}
