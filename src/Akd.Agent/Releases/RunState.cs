using System.Text.Json;
using System.Text.Json.Serialization;
using Akd.Core.Files;

namespace Akd.Agent.Releases;

/// <summary>
/// What is running for this app on this host: which release, its OS pid, and the env it was started
/// with (needed to stop it: the node name and distribution settings must match). Kept in
/// <c>shared/.akd-run.json</c>, mode 0600 because the env may hold secrets.
/// </summary>
internal sealed record RunState(string ReleaseId, int? Pid, Dictionary<string, string> Env)
{
    /// <summary>
    /// After a hot upgrade: the release directory the VM booted from (its <c>code:root_dir()</c>), which
    /// now also holds <see cref="ReleaseId"/>'s code. Null when the VM runs from <see cref="ReleaseId"/>'s own.
    /// </summary>
    public string? VmReleaseId { get; init; }

    /// <summary>The release directory the VM runs from.</summary>
    public string VmRelease => VmReleaseId ?? ReleaseId;

    public static string PathIn(string sharedDir) => Path.Combine(sharedDir, ".akd-run.json");

    public static RunState? Read(string sharedDir)
    {
        var path = PathIn(sharedDir);
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), RunStateJson.Default.RunState) : null;
    }

    /// <summary>Durably (temp file, fsync, rename, fsync of the folder): after a crash it is the old state or the new one.</summary>
    public void Write(string sharedDir) =>
        DurableFile.Write(PathIn(sharedDir), JsonSerializer.SerializeToUtf8Bytes(this, RunStateJson.Default.RunState),
            UnixFileMode.UserRead | UnixFileMode.UserWrite);

    public static void Clear(string sharedDir) => File.Delete(PathIn(sharedDir));
}

/// <summary>Source-generated (de)serializer: the agent is published with NativeAOT, which has no reflection-based JSON.</summary>
[JsonSerializable(typeof(RunState))]
internal sealed partial class RunStateJson : JsonSerializerContext;
