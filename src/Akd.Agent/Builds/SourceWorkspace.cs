using Akd.Agent.Reporting;
using Akd.Core.Archives;
using Akd.Core.Processes;

namespace Akd.Agent.Builds;

/// <summary>
/// The per-app build directory on the build host. <c>_build</c> and <c>deps</c> survive between
/// builds so a rebuild after a small change is incremental; everything else is replaced by the new source.
/// </summary>
/// <param name="options">The git commands' timeouts (<see cref="AgentOptions.GitTimeout"/>, <see cref="AgentOptions.LocalCommandTimeout"/>).</param>
/// <param name="clock">The time a changed source file gets (<see cref="SourceFreshness"/>).</param>
internal sealed class SourceWorkspace(string root, AgentOptions options, TimeProvider clock)
{
    private static readonly HashSet<string> Kept = new(StringComparer.Ordinal) { "_build", "deps" };

    public string ProjectDir { get; } = Path.Combine(root, "src");

    /// <summary>Replaces the source with the contents of an uploaded tar.gz.</summary>
    public async Task LoadArchiveAsync(string archivePath, ExtractionLimits limits, CancellationToken ct)
    {
        Directory.CreateDirectory(ProjectDir);
        var before = SourceFreshness.Fingerprint(ProjectDir, Kept);
        CleanExceptKept();
        await using (var file = File.OpenRead(archivePath))
        {
            await SafeExtractor.ExtractAsync(file, ProjectDir, ct, limits).ConfigureAwait(false);
        }

        SourceFreshness.TouchChanged(ProjectDir, before, Kept, clock);
    }

    /// <summary>Clones or fetches <paramref name="url"/> and checks out <paramref name="gitRef"/> (branch, tag or commit).</summary>
    public async Task LoadGitAsync(string url, string? gitRef, StepReporter reporter, CancellationToken ct)
    {
        Directory.CreateDirectory(ProjectDir);
        if (!Directory.Exists(Path.Combine(ProjectDir, ".git")))
        {
            CleanExceptKept();
            await GitAsync(["init", "--quiet", ProjectDir], root, reporter, ct).ConfigureAwait(false);
        }

        await GitAsync(["fetch", "--force", "--tags", "--prune", url, "+refs/heads/*:refs/remotes/origin/*"], ProjectDir, reporter, ct).ConfigureAwait(false);
        var target = await ResolveAsync(gitRef, reporter, ct).ConfigureAwait(false);
        await GitAsync(["checkout", "--force", "--detach", target], ProjectDir, reporter, ct).ConfigureAwait(false);
        await GitAsync(["clean", "-ffdx", "-e", "_build", "-e", "deps"], ProjectDir, reporter, ct).ConfigureAwait(false);
    }

    private async Task<string> ResolveAsync(string? gitRef, StepReporter reporter, CancellationToken ct)
    {
        var candidates = string.IsNullOrEmpty(gitRef)
            ? new[] { "origin/main", "origin/master" }
            : new[] { $"origin/{gitRef}", gitRef };
        foreach (var candidate in candidates)
        {
            var (result, sha) = await ProcessRunner.CaptureAsync(
                new ProcessSpec("git", ["rev-parse", "--verify", "--quiet", $"{candidate}^{{commit}}"]) { WorkingDirectory = ProjectDir, Timeout = options.LocalCommandTimeout },
                ct).ConfigureAwait(false);
            if (result.Succeeded)
            {
                reporter.Log($"checking out {candidate} ({sha.Trim()})");
                return sha.Trim();
            }
        }

        throw new StepFailedException($"git ref '{gitRef ?? "main"}' was not found in the repository (tried {string.Join(", ", candidates)})");
    }

    private async Task GitAsync(IReadOnlyList<string> args, string cwd, StepReporter reporter, CancellationToken ct)
    {
        var spec = new ProcessSpec("git", args)
        {
            WorkingDirectory = cwd,
            Timeout = options.GitTimeout,
            Environment = new Dictionary<string, string?> { ["GIT_TERMINAL_PROMPT"] = "0" },
        };
        reporter.Log($"$ {spec.Display}");
        try
        {
            var cause = new FailureCause();
            var result = await ProcessRunner.RunAsync(spec, cause.Watch(reporter.Output), ct).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                throw new StepFailedException(cause.Append($"'{spec.Display}' failed with exit code {result.ExitCode}"));
            }
        }
        catch (ProcessStartException ex)
        {
            throw new StepFailedException($"{ex.Message} (install git on the build host)");
        }
    }

    /// <summary>Removes everything but the build caches (a previous git checkout included).</summary>
    private void CleanExceptKept()
    {
        foreach (var entry in new DirectoryInfo(ProjectDir).EnumerateFileSystemInfos())
        {
            if (Kept.Contains(entry.Name))
            {
                continue;
            }

            // A symlink to a directory is removed as a link; its target is left alone.
            if (entry is DirectoryInfo dir && dir.LinkTarget is null)
            {
                dir.Delete(recursive: true);
            }
            else
            {
                entry.Delete();
            }
        }
    }
}
