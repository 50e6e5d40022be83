using Akd.Core.Manifest;
using Akd.Core.Processes;

namespace Akd.Core.Builders;

/// <summary>Runs one build command in the project with MIX_ENV set, and turns a failure into a <see cref="BuildFailedException"/>.</summary>
internal static class BuildCommand
{
    /// <summary>Runs a mix task through the manifest's toolchain (the system's mix, or <c>asdf exec mix</c>).</summary>
    public static Task MixAsync(BuildContext context, IReadOnlyList<string> mixArgs, Action<OutputLine> log, CancellationToken ct) =>
        RunAsync(context, ToolchainCommand.Resolve(context.Manifest.Build.Toolchain, ["mix", .. mixArgs]), context.MixEnvironment(), log, ct);

    /// <summary>Like <see cref="MixAsync"/>, but a non-zero exit is returned for the caller to judge (distillery's known fault).</summary>
    public static Task<CommandExit> MixUncheckedAsync(BuildContext context, IReadOnlyList<string> mixArgs, Action<OutputLine> log, CancellationToken ct) =>
        RunUncheckedAsync(context, ToolchainCommand.Resolve(context.Manifest.Build.Toolchain, ["mix", .. mixArgs]), context.MixEnvironment(), log, ct);

    /// <summary>Runs a build tool other than mix (asdf): without the build secrets.</summary>
    public static Task RunAsync(BuildContext context, IReadOnlyList<string> command, Action<OutputLine> log, CancellationToken ct) =>
        RunAsync(context, command, context.ToolEnvironment(), log, ct);

    private static async Task RunAsync(
        BuildContext context, IReadOnlyList<string> command, Dictionary<string, string?> env, Action<OutputLine> log, CancellationToken ct)
    {
        var exit = await RunUncheckedAsync(context, command, env, log, ct).ConfigureAwait(false);
        if (exit.Code != 0)
        {
            throw new BuildFailedException(exit.Failure);
        }
    }

    /// <summary>Runs the command; a start failure or a timeout throws, any exit code is returned.</summary>
    private static async Task<CommandExit> RunUncheckedAsync(
        BuildContext context, IReadOnlyList<string> command, Dictionary<string, string?> env, Action<OutputLine> log, CancellationToken ct)
    {
        var mixEnv = context.Manifest.Build.MixEnv;
        log = SecretMask.Wrap(log, context.BuildEnv.Values);
        var spec = new ProcessSpec(command[0], command.Skip(1).ToList())
        {
            WorkingDirectory = context.ProjectDir,
            Environment = env,
            Timeout = context.CommandTimeout,
        };
        // Failures are reported to the coordinator: a secret given as an argument must not travel with them.
        var shown = SecretMask.Apply(spec.Display, context.BuildEnv.Values);
        log(new OutputLine("agent", $"$ MIX_ENV={mixEnv} {shown}"));
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
            throw new BuildFailedException($"'{shown}' did not finish within {context.CommandTimeout.TotalMinutes:0.#} minutes");
        }

        // The cause is quoted in the step's error, which leaves the host: masked like the log.
        var quoted = cause.Describe() is { } why ? SecretMask.Apply(why, context.BuildEnv.Values) : null;
        return new CommandExit(shown, result.ExitCode, quoted);
    }

    /// <summary>With <c>build.toolchain: asdf</c>, installs what <c>.tool-versions</c> names before anything runs.</summary>
    public static Task PrepareToolchainAsync(BuildContext context, Action<OutputLine> log, CancellationToken ct) =>
        context.Manifest.Build.Toolchain == Toolchain.Asdf ? AsdfToolchain.InstallAsync(context, log, ct) : Task.CompletedTask;
}

/// <summary>
/// How a build command ended: <see cref="Display"/> is the command as the log shows it, <see cref="Cause"/>
/// the tool's own words for a failure (Mix's <c>** (Mix) ...</c>), when it printed any.
/// </summary>
internal readonly record struct CommandExit(string Display, int Code, string? Cause = null)
{
    /// <summary>The failure without the tool's words, for callers that quote the output themselves (distillery).</summary>
    public string Plain => $"'{Display}' failed with exit code {Code}";

    public string Failure => Cause is null ? Plain : $"{Plain}: {Cause}";
}
