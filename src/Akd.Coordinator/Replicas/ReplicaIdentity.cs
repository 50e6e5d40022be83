using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Replicas;

/// <summary>
/// Which coordinator process this is among the replicas sharing one database: <c>--replica-id</c>, else an id
/// generated on the first start and kept in <c>&lt;data-dir&gt;/replica.id</c>, so a restarted replica is the
/// same one and takes back its own agents and deployments at once.
/// </summary>
public sealed partial class ReplicaIdentity
{
    public ReplicaIdentity(IOptions<CoordinatorOptions> options)
    {
        var o = options.Value;
        Id = string.IsNullOrWhiteSpace(o.ReplicaId) ? LoadOrCreate(Path.Combine(o.DataDir, "replica.id")) : o.ReplicaId.Trim();
        if (!IsValid(Id))
        {
            throw new InvalidOperationException($"replica id '{Id}' is not 1 to 64 letters, digits, '.', '_' or '-'");
        }
    }

    /// <summary>A replica of a given id (tests, and the stores' default: the one replica of an embedded store).</summary>
    public ReplicaIdentity(string id)
    {
        Id = id;
    }

    public string Id { get; }

    public static bool IsValid(string id) => ValidId().IsMatch(id);

    private static string LoadOrCreate(string path)
    {
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } kept)
        {
            return kept;
        }

        var id = $"{Environment.MachineName.ToLowerInvariant()}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}";
        id = IsValid(id) ? id : $"replica-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, id + "\n");
        File.Move(temp, path, overwrite: true);
        return id;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex ValidId();
}
