using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akd.Core.Files;

namespace Akd.Agent.Releases;

/// <summary>
/// What an activation in flight needs to be finished by a restarted agent: written durably just
/// before <c>current</c> switches, removed once the outcome is recorded. A file left behind means the
/// agent died between the switch and the verdict, so the host runs a release nobody checked.
/// </summary>
/// <param name="Command">The step's <c>StepCommand</c>, protobuf-encoded (it carries the manifest and ids).</param>
/// <param name="PreviousEnv">The env the previous release ran with; a rollback restarts it with that. Mode 0600: it may hold secrets.</param>
internal sealed record PendingActivation(
    byte[] Command, string DeployRoot, string ReleaseId, string? PreviousId, Dictionary<string, string> PreviousEnv, string DeploymentId, string Result)
{
    /// <summary>
    /// Set for a hot upgrade (or downgrade) of a running VM, written before release_handler is called: then
    /// <c>current</c> has not switched yet, and only the VM can tell which version it runs.
    /// </summary>
    public PendingHotUpgrade? Hot { get; init; }

    /// <summary>
    /// Set for a cold restart with <c>deploy.start_overlap: shared_port</c>: the old VM, which serves beside the new one
    /// until that passed its check. A restarted agent stops it once the new one is healthy, or keeps it.
    /// </summary>
    public RunState? StillServing { get; init; }
}

/// <summary>A hot upgrade in flight: <see cref="PendingActivation.PreviousId"/> is the release the VM ran before it.</summary>
/// <param name="FromVsn">The version the VM ran.</param>
/// <param name="ToVsn">The version release_handler was asked to install.</param>
/// <param name="Pid">The VM's OS pid: a hot upgrade never changes it.</param>
/// <param name="VmReleaseId">The release directory the VM booted from (its <c>code:root_dir()</c>).</param>
/// <param name="IsRollback">An <c>akdctl rollback</c> going back hot (recorded as hot-downgraded).</param>
internal sealed record PendingHotUpgrade(string FromVsn, string ToVsn, int Pid, string VmReleaseId, bool IsRollback);

/// <summary>The pending activations of this agent, one file per deploy path under <c>&lt;data-dir&gt;/pending/</c>.</summary>
internal sealed class ActivationJournal(string dataDir)
{
    public string Dir => Path.Combine(dataDir, "pending");

    public void Begin(PendingActivation pending) =>
        DurableFile.Write(PathFor(pending.DeployRoot), JsonSerializer.SerializeToUtf8Bytes(pending, PendingActivationJson.Default.PendingActivation),
            UnixFileMode.UserRead | UnixFileMode.UserWrite);

    public void End(string deployRoot) => File.Delete(PathFor(deployRoot));

    /// <summary>Every activation a previous run of the agent left unfinished; unreadable files are skipped and named.</summary>
    public IEnumerable<(string File, PendingActivation? Pending)> Unfinished()
    {
        if (!Directory.Exists(Dir))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(Dir, "*.json"))
        {
            PendingActivation? pending;
            try
            {
                pending = JsonSerializer.Deserialize(File.ReadAllBytes(file), PendingActivationJson.Default.PendingActivation);
            }
            catch (JsonException)
            {
                pending = null;
            }

            yield return (file, pending);
        }
    }

    private string PathFor(string deployRoot) =>
        Path.Combine(Dir, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(deployRoot)))[..16] + ".json");
}

/// <summary>Source-generated (de)serializer: the agent is published with NativeAOT.</summary>
[JsonSerializable(typeof(PendingActivation))]
internal sealed partial class PendingActivationJson : JsonSerializerContext;
