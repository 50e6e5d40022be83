using Akd.Core.Builders;
using Akd.Core.Files;
using Akd.Core.Manifest;

namespace Akd.Agent.Sandbox;

/// <summary>
/// What mix needs at run time when a <c>source</c> app runs as its own user: a MIX_HOME of its own in
/// <c>shared/.mix</c> holding copies of the agent's Hex archive and Mix's own rebar3 (mix loads Hex to read
/// the deps' SCM and would ask to install it), a HEX_HOME the app may write in <c>shared/.hex</c>, and HOME
/// its <c>shared/</c>. The agent's own MIX_HOME is under its home, which the app cannot read.
/// </summary>
internal static class AppMixHome
{
    /// <summary>The parts of a MIX_HOME mix reads at run time: archives/ (Hex) and elixir/ (rebar3 from mix local.rebar).</summary>
    private static readonly string[] Copied = ["archives", "elixir"];

    private const UnixFileMode PrivateDir = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// The run-time env of a source app running as <paramref name="sandbox"/>'s user, from the agent's build env
    /// <paramref name="buildEnv"/>; copies what the app needs from the agent's MIX_HOME first. Read-only to the app:
    /// the copies stay the agent's, shared with the app's group.
    /// </summary>
    public static Dictionary<string, string?> Prepare(AppSandbox sandbox, IReadOnlyDictionary<string, string?> buildEnv, Toolchain toolchain)
    {
        var user = sandbox.User ?? throw new InvalidOperationException("only an app with a user of its own gets a MIX_HOME of its own");
        var agentMixHome = MixTools.MixHome(buildEnv);
        var mixHome = Path.Combine(sandbox.SharedDir, ".mix");
        var hexHome = Path.Combine(sandbox.SharedDir, ".hex");

        FileOwnership.Directory(mixHome, UserSwitching.AgentUid, user.Gid, PrivateDir | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        foreach (var part in Copied)
        {
            CopyMissing(Path.Combine(agentMixHome, part), Path.Combine(mixHome, part));
        }

        FileOwnership.ShareReadOnly(mixHome, user.Gid);
        if (!Directory.Exists(hexHome))
        {
            FileOwnership.Directory(hexHome, user.Uid, user.Gid, PrivateDir);
        }

        var env = new Dictionary<string, string?>(buildEnv, StringComparer.Ordinal)
        {
            ["HOME"] = sandbox.SharedDir,
            ["MIX_HOME"] = mixHome,
            ["HEX_HOME"] = hexHome,
        };

        // rebar3 from `mix local.rebar` lives in the agent's MIX_HOME: the app runs its copy.
        var prefix = Path.TrimEndingDirectorySeparator(agentMixHome) + "/";
        if (MixTools.Variable(buildEnv, MixTools.Rebar3Variable) is { } rebar3 && rebar3.StartsWith(prefix, StringComparison.Ordinal))
        {
            env[MixTools.Rebar3Variable] = Path.Combine(mixHome, rebar3[prefix.Length..]);
        }

        // asdf keeps its installs in ASDF_DATA_DIR, by default ~/.asdf: the agent's, not the app's new HOME.
        if (toolchain == Toolchain.Asdf)
        {
            env["ASDF_DATA_DIR"] = AsdfDataDir(buildEnv);
        }

        return env;
    }

    /// <summary>The asdf installs the agent uses: ASDF_DATA_DIR, else ~/.asdf of the agent's HOME.</summary>
    public static string AsdfDataDir(IReadOnlyDictionary<string, string?> buildEnv) =>
        MixTools.Variable(buildEnv, "ASDF_DATA_DIR") ?? Path.Combine(MixTools.Variable(buildEnv, "HOME") ?? "/", ".asdf");

    /// <summary>
    /// True when a user with no group in common with the owner reaches <paramref name="path"/>: every directory on
    /// the way passable by others, and the path itself readable (and passable) by them. Toolchains an app runs
    /// (asdf's installs, a rebar3 outside MIX_HOME) must be, as /usr/bin's are.
    /// </summary>
    public static bool OthersCanRead(string path)
    {
        var full = Path.GetFullPath(path);
        if (!Path.Exists(full))
        {
            return false;
        }

        for (var dir = Path.GetDirectoryName(full); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if ((File.GetUnixFileMode(dir) & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }

        var mode = File.GetUnixFileMode(full);
        var wanted = Directory.Exists(full) ? UnixFileMode.OtherRead | UnixFileMode.OtherExecute : UnixFileMode.OtherRead;
        return (mode & wanted) == wanted;
    }

    /// <summary>
    /// Copies each entry of <paramref name="from"/> that <paramref name="to"/> lacks (an archive is a directory
    /// named by its version, hex-2.0.6, so a new Hex is a new name); entries already there are kept as they are.
    /// </summary>
    private static void CopyMissing(string from, string to)
    {
        if (!Directory.Exists(from))
        {
            return;
        }

        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(to, entry.Name);
            if (Path.Exists(target) || entry.LinkTarget is not null)
            {
                continue;
            }

            if (entry is DirectoryInfo dir)
            {
                // Into a hidden name first, then renamed: a running app never sees half an archive. Links are skipped,
                // never followed: the copy holds only the archive's own files. A few MiB, copied as the runner is made:
                // nothing to cancel.
                DirectoryCopy.CopyStaged(dir.FullName, target, Path.Combine(to, $".{entry.Name}.partial"), LinkCopy.Skip, CancellationToken.None);
            }
            else
            {
                File.Copy(entry.FullName, target);
            }
        }
    }
}
