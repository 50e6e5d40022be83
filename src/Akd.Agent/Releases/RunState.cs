using System.Text.Json;
using System.Text.Json.Serialization;

namespace Akd.Agent.Releases;

/// <summary>
/// What is running for this app on this host: which release, its OS pid, and the env it was started
/// with (needed to stop it: the node name and distribution settings must match). Kept in
/// <c>shared/.akd-run.json</c>, mode 0600 because the env may hold secrets.
/// </summary>
internal sealed record RunState(string ReleaseId, int? Pid, Dictionary<string, string> Env)
{
    public static string PathIn(string sharedDir) => Path.Combine(sharedDir, ".akd-run.json");

    public static RunState? Read(string sharedDir)
    {
        var path = PathIn(sharedDir);
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), RunStateJson.Default.RunState) : null;
    }

    public void Write(string sharedDir)
    {
        var path = PathIn(sharedDir);
        var temp = path + ".tmp";
        using (var file = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            JsonSerializer.Serialize(file, this, RunStateJson.Default.RunState);
        }

        File.Move(temp, path, overwrite: true);
    }

    public static void Clear(string sharedDir) => File.Delete(PathIn(sharedDir));
}

/// <summary>Source-generated (de)serializer: the agent is published with NativeAOT, which has no reflection-based JSON.</summary>
[JsonSerializable(typeof(RunState))]
internal sealed partial class RunStateJson : JsonSerializerContext;
