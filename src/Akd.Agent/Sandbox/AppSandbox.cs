using Akd.Agent.Apps;
using Akd.Agent.Reporting;
using Akd.Core.Manifest;
using Akd.Core.Processes;
using Akd.Core.Releases;

namespace Akd.Agent.Sandbox;

/// <summary>
/// Who an app runs as on this host and what it may touch. With a user of its own (<c>deploy.user</c>, default
/// one per app and deploy path), the app's VM, its <c>bin/APP</c> commands and its release hooks run through
/// <c>setpriv</c> as that user; it reads its releases, writes only its <c>shared/</c> and each release's
/// <c>tmp/</c> (and distillery's <c>var/</c>), and cannot enter another app's deploy path or the agent's files.
/// A <c>source</c> app too: the agent compiles its release, the app runs it with <c>mix run --no-compile</c>
/// from a MIX_HOME of its own (<see cref="AppMixHome"/>); its build hooks stay the agent's, as the build is.
/// </summary>
internal sealed class AppSandbox
{
    /// <summary>Directories of a release the app writes to: RELEASE_TMP (mix release, run_erl logs) and distillery's var/.</summary>
    public static readonly string[] WritableReleaseDirs = ["tmp", "var"];

    private const UnixFileMode PrivateDir = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode GroupReadDir = PrivateDir | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    private const UnixFileMode GroupWriteDir = GroupReadDir | UnixFileMode.GroupWrite | UnixFileMode.SetGroup;

    private AppSandbox(AppUser? user, string sharedDir)
    {
        User = user;
        SharedDir = sharedDir;
    }

    /// <summary>The app's own user; null when the app runs as the agent's user.</summary>
    public AppUser? User { get; }

    /// <summary>The app's <c>shared/</c>: its HOME when it runs as its own user.</summary>
    public string SharedDir { get; }

    /// <summary>Runs everything as the agent itself: the agent cannot (or must not) switch users.</summary>
    public static AppSandbox AsAgent(string sharedDir) => new(null, sharedDir);

    /// <summary>A sandbox for a user that exists already (tests, and callers that resolved it themselves).</summary>
    public static AppSandbox As(AppUser user, string sharedDir) => new(user, sharedDir);

    /// <summary>
    /// The sandbox of <paramref name="manifest"/>'s app on this host; makes its user on first deploy when the agent
    /// is root. Says in the step log which user the app runs as, or why it runs as the agent's.
    /// </summary>
    public static async Task<AppSandbox> ForAsync(AppManifest manifest, AgentOptions options, StepReporter reporter, CancellationToken ct)
    {
        var layout = new ReleaseLayout(DeployPath.Resolve(manifest, options));
        var mode = UserSwitching.Detect(options);
        if (mode is UserSwitchingMode.Off or UserSwitchingMode.Unavailable)
        {
            reporter.Log(UserSwitching.Describe(mode));
            return AsAgent(layout.SharedDir);
        }

        var name = manifest.Deploy.User is { Length: > 0 } configured
            ? configured
            : AppUser.DefaultName(manifest.App, layout.Root, DeployPath.IsDefault(manifest, options));
        var user = await UnixUsers.FindAsync(name, options.LocalCommandTimeout, ct).ConfigureAwait(false);
        if (user is null)
        {
            user = await CreateUserAsync(name, mode, options, reporter, ct).ConfigureAwait(false);
        }

        if (user.Uid == 0 || user.Uid == UserSwitching.AgentUid)
        {
            throw new StepFailedException($"deploy.user {name} is root or the agent's own user: an app never runs with the agent's rights");
        }

        reporter.Log($"{manifest.App} runs as user {user.Name} (uid {user.Uid}, gid {user.Gid})");
        return new AppSandbox(user, layout.SharedDir);
    }

    /// <summary>
    /// A missing app user: root makes it with useradd; an agent with capabilities alone asks the packaged root helper
    /// (akd-app-user.socket), which makes only <c>akd-app-*</c> names; otherwise the operator makes it once.
    /// </summary>
    private static async Task<AppUser> CreateUserAsync(string name, UserSwitchingMode mode, AgentOptions options, StepReporter reporter, CancellationToken ct)
    {
        if (mode == UserSwitchingMode.Root)
        {
            return await UnixUsers.CreateAsync(name, options.LocalCommandTimeout, reporter.Log, ct).ConfigureAwait(false);
        }

        var command = $"useradd --system --user-group --no-create-home --home-dir /nonexistent --shell {AppUserHelper.NoLogin} --comment '{AppUserHelper.Comment}' {name}";
        if (!AppUserHelperClient.IsInstalled(options.AppUserSocket))
        {
            throw new StepFailedException(
                $"user {name} does not exist and only root can create it; enable the helper (systemctl enable --now akd-app-user.socket) or create it once with: {command}");
        }

        if (!AppUserHelper.IsAppUserName(name))
        {
            throw new StepFailedException($"user {name} does not exist, and the app user helper makes only akd-app-* users; create it once with: {command}");
        }

        reporter.Log($"asking the app user helper ({options.AppUserSocket}) for user {name}");
        try
        {
            return await AppUserHelperClient.CreateAsync(options.AppUserSocket, name, ct).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            throw new StepFailedException(ex.Message);
        }
    }

    /// <summary>The same program, run as the app's user: setuid/setgid in the child (ProcessStartInfo has no uid).</summary>
    public ProcessSpec Wrap(ProcessSpec spec)
    {
        if (User is null)
        {
            return spec;
        }

        var environment = new Dictionary<string, string?>(spec.Environment);

        // The agent's HOME is not the app's to read; shared/ is the one place the app may keep files.
        environment.TryAdd("HOME", SharedDir);
        return spec with
        {
            FileName = Prefix(User)[0],
            Arguments = [.. Prefix(User).Skip(1), spec.FileName, .. spec.Arguments],
            Environment = environment,
        };
    }

    /// <summary>A hook command run as the app's user.</summary>
    public IReadOnlyList<string> Wrap(IReadOnlyList<string> command) =>
        User is null || command.Count == 0 ? command : [.. Prefix(User), .. command];

    /// <summary>
    /// setpriv (util-linux, beside setsid): sets uid, gid and groups by number, with no PAM, login shell or
    /// environment rewrite (runuser would need root and PAM). The agent's ambient capabilities are dropped and
    /// no-new-privs set, so the app gets none of the agent's rights, nor any from a set-id program.
    /// </summary>
    public static IReadOnlyList<string> Prefix(AppUser user) =>
    [
        "setpriv", $"--reuid={user.Uid}", $"--regid={user.Gid}", "--init-groups",
        "--inh-caps=-all", "--ambient-caps=-all", "--no-new-privs", "--",
    ];

    /// <summary>
    /// The deploy path: the agent owns it, the app's group may enter it (no one else), write <c>shared/</c>
    /// (sticky: the agent's files there stay the agent's) and read <c>releases/</c>.
    /// </summary>
    public void SecureDeployPath(ReleaseLayout layout)
    {
        if (User is not { } user)
        {
            return;
        }

        var agent = UserSwitching.AgentUid;
        FileOwnership.Directory(layout.Root, agent, user.Gid, GroupReadDir);
        FileOwnership.Directory(layout.ReleasesDir, agent, user.Gid, GroupReadDir);
        FileOwnership.Directory(layout.SharedDir, agent, user.Gid, GroupWriteDir | UnixFileMode.StickyBit);
        FileOwnership.Directory(Path.Combine(layout.SharedDir, "log"), agent, user.Gid, GroupWriteDir);
    }

    /// <summary>
    /// A release on disk: readable by the app, its <c>tmp/</c> (and <c>var/</c>, if any) the app's own, and the
    /// version list in its <c>releases/</c> writable by the app's VM.
    /// </summary>
    public void SecureRelease(string releaseDir)
    {
        if (User is not { } user)
        {
            return;
        }

        FileOwnership.ShareReadOnly(releaseDir, user.Gid);

        // release_handler in the app's VM keeps releases/RELEASES and start_erl.data there (hot upgrades); the
        // agent copies new versions in beside them. The files of each version (releases/VSN/) stay the agent's, read-only.
        var versions = Path.Combine(releaseDir, "releases");
        if (Directory.Exists(versions) && new DirectoryInfo(versions).LinkTarget is null)
        {
            File.SetUnixFileMode(versions, GroupWriteDir & ~UnixFileMode.SetGroup);

            // start_erl.data (and RELEASES, once written) are rewritten in place by release_handler.
            foreach (var file in new DirectoryInfo(versions).EnumerateFiles())
            {
                if (file.LinkTarget is null)
                {
                    FileOwnership.Chown(file.FullName, user.Uid, user.Gid);
                }
            }
        }

        foreach (var name in WritableReleaseDirs)
        {
            var dir = Path.Combine(releaseDir, name);
            if (Directory.Exists(dir))
            {
                FileOwnership.Give(dir, user.Uid, user.Gid);
            }
            else if (name == "tmp")
            {
                FileOwnership.Directory(dir, user.Uid, user.Gid, PrivateDir);
            }
        }
    }

    /// <summary>
    /// Takes back the files <see cref="SecureRelease"/> gave the app in the release's <c>releases/</c> (start_erl.data,
    /// RELEASES): they are the app's, mode 0640 at most, so an agent that is not root (no CAP_DAC_OVERRIDE) could not
    /// even read them before a cold start. <see cref="SecureRelease"/> gives them back.
    /// </summary>
    public void ReclaimVersionFiles(string releaseDir)
    {
        var versions = Path.Combine(releaseDir, "releases");
        if (User is null || UserSwitching.AgentUid == 0 || !Directory.Exists(versions) || new DirectoryInfo(versions).LinkTarget is not null)
        {
            return;
        }

        foreach (var file in new DirectoryInfo(versions).EnumerateFiles())
        {
            if (file.LinkTarget is null)
            {
                FileOwnership.Chown(file.FullName, UserSwitching.AgentUid, UserSwitching.AgentGid);
            }
        }
    }

    /// <summary>Takes back what the app wrote in a release, so the agent can remove the release without CAP_DAC_OVERRIDE.</summary>
    public void Reclaim(string releaseDir)
    {
        // Root removes anything; only an agent with capabilities alone needs the files back first.
        if (User is null || UserSwitching.AgentUid == 0)
        {
            return;
        }

        foreach (var name in WritableReleaseDirs)
        {
            FileOwnership.Reclaim(Path.Combine(releaseDir, name), UserSwitching.AgentUid, UserSwitching.AgentGid);
        }
    }
}
