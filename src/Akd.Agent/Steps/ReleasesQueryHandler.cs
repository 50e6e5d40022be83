using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Contracts.V1;
using Akd.Core.Releases;
using Google.Protobuf.WellKnownTypes;

namespace Akd.Agent.Steps;

/// <summary><c>akdctl releases</c> on one host: what the release layout holds. Reads only.</summary>
public sealed class ReleasesQueryHandler
{
    internal ReleasesOutput Run(StepContext context)
    {
        var layout = context.Layout;
        var output = new ReleasesOutput { DeployPath = layout.Root };
        if (!Directory.Exists(layout.Root))
        {
            return output;
        }

        try
        {
            output.CurrentReleaseId = layout.CurrentReleaseId() ?? "";
            output.RollbackTarget = layout.RollbackTargetId() ?? "";
        }
        catch (IOException ex)
        {
            throw new StepFailedException(ex.Message);
        }

        var lastResult = layout.ReadRevisions().GroupBy(r => r.ReleaseId).ToDictionary(g => g.Key, g => g.Last().Result, StringComparer.Ordinal);
        foreach (var id in layout.ListReleases())
        {
            var release = new KeptRelease { ReleaseId = id };
            release.SetLastResult(lastResult.GetValueOrDefault(id, ""));
            if (ReleaseId.TryParse(id, out var version, out var createdAt))
            {
                release.Version = version;
                release.CreatedAt = Timestamp.FromDateTimeOffset(createdAt);
            }

            output.Releases.Add(release);
        }

        if (RunState.Read(layout.SharedDir) is { Pid: { } pid } && ProcessSignals.IsAlive(pid))
        {
            output.Running = true;
            output.Pid = pid;
        }

        return output;
    }
}
