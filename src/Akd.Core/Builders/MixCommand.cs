using Akd.Core.Processes;

namespace Akd.Core.Builders;

/// <summary>Runs one mix task in the project and turns a non-zero exit into a <see cref="BuildFailedException"/>.</summary>
internal static class MixCommand
{
    public static async Task RunAsync(BuildContext context, IReadOnlyList<string> args, Action<OutputLine> log, CancellationToken ct)
    {
        var env = new Dictionary<string, string?>(context.Env)
        {
            ["MIX_ENV"] = context.Manifest.Build.MixEnv,
        };
        var spec = new ProcessSpec("mix", args)
        {
            WorkingDirectory = context.ProjectDir,
            Environment = env,
            Timeout = context.CommandTimeout,
        };
        log(new OutputLine("agent", $"$ MIX_ENV={context.Manifest.Build.MixEnv} {spec.Display}"));
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(spec, log, ct).ConfigureAwait(false);
        }
        catch (ProcessStartException ex)
        {
            throw new BuildFailedException($"{ex.Message} (is Elixir installed on the build host?)");
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
