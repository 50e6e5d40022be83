using Akd.Agent.Artifacts;
using Akd.Agent.Reporting;
using Akd.Contracts.V1;
using Akd.Core.Archives;
using Akd.Core.Files;

namespace Akd.Agent.Builds;

/// <summary>
/// Puts a deploy's source into a fresh directory on a target (strategy <c>source</c>): an uploaded
/// archive is unpacked safely; a git source is fetched into a per-app cache that survives deploys
/// (so a redeploy fetches only what changed) and copied from there without <c>.git</c>, <c>_build</c> and <c>deps</c>.
/// </summary>
internal sealed class SourceCheckout(ArtifactClient artifacts, AgentOptions options, TimeProvider clock)
{
    private static readonly HashSet<string> NotCopied = new(StringComparer.Ordinal) { ".git", "_build", "deps" };

    public async Task FetchIntoAsync(SourceSpec? source, string app, string targetDir, StepReporter reporter, CancellationToken ct)
    {
        switch (source?.FromCase)
        {
            case SourceSpec.FromOneofCase.Archive:
                var archive = await artifacts.DownloadAsync(source.Archive, reporter.Log, ct).ConfigureAwait(false);
                await SourceArchive.UnpackAsync(async token =>
                {
                    await using var file = File.OpenRead(archive);
                    await SafeExtractor.ExtractAsync(file, targetDir, token, options.UnpackLimits(file.Length)).ConfigureAwait(false);
                }, ct).ConfigureAwait(false);

                reporter.Log($"source archive {source.Archive.Sha256[..12]} unpacked");
                break;
            case SourceSpec.FromOneofCase.Git:
                var workspace = new SourceWorkspace(Path.Combine(options.DataDir, "sources", app), options, clock);
                await workspace.LoadGitAsync(source.Git.Url, string.IsNullOrEmpty(source.Git.Ref) ? null : source.Git.Ref, reporter, ct).ConfigureAwait(false);
                // Files with their modes; links recreated as links, never followed, as git checked them out.
                DirectoryCopy.Copy(workspace.ProjectDir, targetDir, LinkCopy.Recreate, ct, NotCopied);
                break;
            default:
                throw new StepFailedException("the step names no source");
        }

        if (!File.Exists(Path.Combine(targetDir, "mix.exs")))
        {
            throw new StepFailedException("the source has no mix.exs at its root: is source.path the Mix project?");
        }
    }
}
