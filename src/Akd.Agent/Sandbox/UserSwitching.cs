using System.Globalization;
using System.Runtime.InteropServices;

namespace Akd.Agent.Sandbox;

/// <summary>Whether this agent can start apps as users of their own, and why not when it cannot.</summary>
internal enum UserSwitchingMode
{
    /// <summary>The agent runs as root: it switches users and creates the missing ones itself.</summary>
    Root,

    /// <summary>The agent holds CAP_SETUID, CAP_SETGID, CAP_CHOWN and CAP_KILL (its systemd unit's ambient capabilities).</summary>
    Capabilities,

    /// <summary>Neither: apps run as the agent's own user (a developer running the agent as themselves).</summary>
    Unavailable,

    /// <summary>Turned off with <c>--app-users off</c>: apps run as the agent's own user.</summary>
    Off,
}

internal static partial class UserSwitching
{
    private const int CapChown = 0;
    private const int CapKill = 5;
    private const int CapSetGid = 6;
    private const int CapSetUid = 7;

    /// <summary>The agent's effective uid.</summary>
    public static int AgentUid => (int)geteuid();

    /// <summary>The agent's effective gid.</summary>
    public static int AgentGid => (int)getegid();

    public static UserSwitchingMode Detect(AgentOptions options)
    {
        if (!options.AppUsers)
        {
            return UserSwitchingMode.Off;
        }

        if (AgentUid == 0)
        {
            return UserSwitchingMode.Root;
        }

        var effective = EffectiveCapabilities();
        var needed = (1UL << CapChown) | (1UL << CapKill) | (1UL << CapSetGid) | (1UL << CapSetUid);
        return (effective & needed) == needed ? UserSwitchingMode.Capabilities : UserSwitchingMode.Unavailable;
    }

    /// <summary>What the agent says once at start and in every activation's step log.</summary>
    public static string Describe(UserSwitchingMode mode) => mode switch
    {
        UserSwitchingMode.Root => "apps run as users of their own (the agent runs as root and creates them)",
        UserSwitchingMode.Capabilities => "apps run as users of their own (the agent holds CAP_SETUID, CAP_SETGID, CAP_CHOWN and CAP_KILL)",
        UserSwitchingMode.Off => "apps run as the agent's own user: per-app users are off (--app-users off)",
        _ => "apps run as the agent's own user: the agent is neither root nor holds CAP_SETUID, CAP_SETGID, CAP_CHOWN and CAP_KILL, so an app can read the agent's files and other apps' shared/",
    };

    /// <summary>The CapEff line of /proc/self/status: a hex bit mask.</summary>
    private static ulong EffectiveCapabilities()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("CapEff:", StringComparison.Ordinal)
                && ulong.TryParse(line["CapEff:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask))
            {
                return mask;
            }
        }

        return 0;
    }

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc")]
    private static partial uint getegid();
}
