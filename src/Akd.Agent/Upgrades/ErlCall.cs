using System.Globalization;
using Akd.Agent.Sandbox;
using Akd.Core.Processes;

namespace Akd.Agent.Upgrades;

/// <summary>
/// Erlang expressions evaluated in a running release's VM with the release's own <c>erl_call</c> (a C program
/// in <c>erts-VSN/bin</c>): about 30 ms, where <c>bin/APP rpc</c> boots a second VM (seconds on a busy host).
/// The cookie goes through a private HOME's <c>.erlang.cookie</c>, never the command line.
/// </summary>
internal static class ErlCall
{
    private const UnixFileMode PrivateHomeMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    /// <summary>The release's erl_call, or null when it ships no ERTS (then <c>bin/APP rpc</c> is used).</summary>
    public static string? Find(string root) =>
        Directory.Exists(root)
            ? Directory.EnumerateDirectories(root, "erts-*").Select(d => Path.Combine(d, "bin", "erl_call")).FirstOrDefault(File.Exists)
            : null;

    /// <summary>
    /// The process that evaluates <paramref name="expressions"/> in the node <paramref name="env"/> names; what they
    /// print comes back on stdout, then the result term (<c>{ok, ...}</c>, or the error, which says why).
    /// </summary>
    /// <param name="user">The app's user, who runs erl_call: the private HOME is theirs to read, nobody else's.</param>
    /// <returns>Null when the node's name or cookie cannot be told (then <c>bin/APP rpc</c> is used).</returns>
    public static ProcessSpec? Spec(
        string erlCall, string root, IReadOnlyDictionary<string, string> env, string expressions, TimeSpan timeout, TimeSpan margin, string home, AppUser? user = null)
    {
        var cookie = env.TryGetValue("RELEASE_COOKIE", out var fromEnv) ? fromEnv
            : File.Exists(Path.Combine(root, "releases", "COOKIE")) ? File.ReadAllText(Path.Combine(root, "releases", "COOKIE")).Trim() : null;
        var mode = env.GetValueOrDefault("RELEASE_DISTRIBUTION", "sname");
        if (cookie is null || !env.TryGetValue("RELEASE_NODE", out var node) || mode is not ("sname" or "name"))
        {
            return null;
        }

        Directory.CreateDirectory(home);
        var cookieFile = Path.Combine(home, ".erlang.cookie");
        File.WriteAllText(cookieFile, cookie);
        File.SetUnixFileMode(cookieFile, UnixFileMode.UserRead);
        if (user is not null)
        {
            // The folder stays the agent's (it removes it afterwards); the cookie is the app user's alone.
            FileOwnership.Directory(home, UserSwitching.AgentUid, user.Gid, PrivateHomeMode);
            FileOwnership.Chown(cookieFile, user.Uid, user.Gid);
        }

        var seconds = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return new ProcessSpec(erlCall, ["-" + mode, node, "-r", "-timeout", seconds, "-fetch_stdout", "-e"])
        {
            WorkingDirectory = root,
            Environment = new Dictionary<string, string?> { ["HOME"] = home },
            StandardInput = expressions + "\n", // erl_call evaluates a form once it sees ".\n"
            Timeout = timeout + margin,
        };
    }

    /// <summary>An Erlang string literal.</summary>
    public static string Literal(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
