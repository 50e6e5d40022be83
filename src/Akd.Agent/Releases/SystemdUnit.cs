using System.Security.Cryptography;
using System.Text;
using Akd.Agent.Sandbox;

namespace Akd.Agent.Releases;

/// <summary>
/// The transient unit an app runs in where systemd is PID 1: one per deploy path, started with
/// <c>systemd-run</c> as an argument array. Pure: builds names, properties and arguments, runs nothing.
/// </summary>
/// <param name="Unit">The unit's name, see <see cref="NameFor"/>.</param>
/// <param name="Command">The app in the foreground (<c>bin/APP start</c>, distillery's <c>foreground</c>, or deploy.run).</param>
/// <param name="User">The app's own user, or the agent's where the agent cannot switch users: never root by omission.</param>
/// <param name="EnvironmentFile">The app's env, read by systemd, so secrets are not unit properties anyone can list.</param>
/// <param name="WritablePaths">The only paths the app may write: its <c>shared/</c> and its release's <c>tmp/</c> (and <c>var/</c>).</param>
internal sealed record SystemdUnit(
    string Unit, string App, string WorkingDirectory, IReadOnlyList<string> Command, AppUser User,
    string EnvironmentFile, IReadOnlyList<string> WritablePaths, TimeSpan StopTimeout)
{
    /// <summary>
    /// Hardening of every app unit (measured by <c>systemd-analyze security</c>, see installers/README.md). Left out:
    /// MemoryDenyWriteExecute (the BEAM JIT needs writable and executable memory), PrivateNetwork and IPAddressDeny
    /// (apps serve and call out), PrivateUsers (files are owned by real uids), and ProtectProc=invisible (the agent,
    /// another user, finds the VM in /proc).
    /// </summary>
    public static readonly IReadOnlyList<string> Hardening =
    [
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "PrivateDevices=yes",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=",
        "AmbientCapabilities=",
        "RestrictSUIDSGID=yes",
        "ProtectKernelTunables=yes",
        "ProtectKernelModules=yes",
        "ProtectKernelLogs=yes",
        "ProtectControlGroups=yes",
        "ProtectClock=yes",
        "ProtectHostname=yes",
        "RestrictNamespaces=yes",
        "RestrictRealtime=yes",
        "LockPersonality=yes",
        "RemoveIPC=yes",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
        "SystemCallArchitectures=native",
        "SystemCallFilter=@system-service",
        "SystemCallErrorNumber=EPERM",
        "UMask=0027",
        "LimitNOFILE=65536",
    ];

    /// <summary><c>akd-app-APP-HASH.service</c>: the hash (of the resolved deploy path) keeps two deploy paths of one app apart.</summary>
    public static string NameFor(string app, string deployRoot)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(deployRoot)))[..8];
        var name = new string(app.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '-').ToArray());
        return $"akd-app-{name}-{hash}.service";
    }

    /// <summary>The properties this unit asks systemd for, in the order given.</summary>
    public IReadOnlyList<string> Properties()
    {
        var properties = new List<string>
        {
            "Type=exec",
            $"Description=akd app {App} ({Path.GetDirectoryName(Path.GetDirectoryName(WorkingDirectory))})",
            $"WorkingDirectory={WorkingDirectory}",
            $"EnvironmentFile={EnvironmentFile}",
            // SIGTERM makes the BEAM run init:stop(); the rest of the unit's cgroup goes after the grace.
            "KillMode=mixed",
            $"TimeoutStopSec={Math.Max(1, (int)StopTimeout.TotalSeconds)}",
            "Restart=no",
            $"User={User.Uid}",
            $"Group={User.Gid}",
        };

        properties.AddRange(Hardening);
        properties.Add("ReadWritePaths=" + string.Join(' ', WritablePaths.Select(p => "-" + p)));
        return properties;
    }

    /// <summary>The whole <c>systemd-run</c> argument array.</summary>
    public IReadOnlyList<string> RunArguments() =>
    [
        $"--unit={Unit}",
        "--collect",
        "--quiet",
        .. Properties().Select(p => $"--property={p}"),
        "--",
        .. Command,
    ];

    /// <summary>
    /// systemd's EnvironmentFile syntax: double-quoted values with <c>\</c> and <c>"</c> escaped. A newline cannot be
    /// written reliably there, so such a value is refused rather than cut.
    /// </summary>
    public static string FormatEnvironment(IReadOnlyDictionary<string, string> env)
    {
        var text = new StringBuilder("# Written by akd for systemd (EnvironmentFile=)\n");
        foreach (var (key, value) in env.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (value.Contains('\n') || value.Contains('\r') || value.Contains('\0'))
            {
                throw new ArgumentException($"the value of {key} holds a line break, which a systemd environment file cannot carry", nameof(env));
            }

            text.Append(key).Append("=\"").Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\"\n");
        }

        return text.ToString();
    }
}
