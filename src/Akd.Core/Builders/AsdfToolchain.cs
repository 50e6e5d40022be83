using Akd.Core.Processes;

namespace Akd.Core.Builders;

/// <summary>
/// <c>build.toolchain: asdf</c>: the versions come from the project's <c>.tool-versions</c>. A fresh host
/// has asdf but not its plugins, so missing plugins are added, then <c>asdf install</c> installs what is
/// missing (a no-op when everything is there). Every builder calls this before running mix.
/// </summary>
internal static class AsdfToolchain
{
    public static async Task InstallAsync(BuildContext context, Action<OutputLine> log, CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(context.ProjectDir, ".tool-versions")))
        {
            throw new BuildFailedException("build.toolchain is asdf, but the source has no .tool-versions next to mix.exs");
        }

        await AddMissingPluginsAsync(context, log, ct).ConfigureAwait(false);
        await BuildCommand.RunAsync(context, ["asdf", "install"], log, ct).ConfigureAwait(false);
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
                new ProcessSpec("asdf", ["plugin", "list"])
                {
                    // The same env as `asdf plugin add` and `asdf install` below (HOME, ASDF_DATA_DIR): asdf keeps its
                    // plugins under it, so a list run elsewhere would miss them and re-add installed plugins.
                    WorkingDirectory = context.ProjectDir,
                    Environment = context.ToolEnvironment(),
                    Timeout = context.QueryTimeout,
                }, ct).ConfigureAwait(false);
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
            await BuildCommand.RunAsync(context, ["asdf", "plugin", "add", tool], log, ct).ConfigureAwait(false);
        }
    }
}
