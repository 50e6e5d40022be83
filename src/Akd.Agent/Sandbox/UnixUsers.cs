using System.Globalization;
using Akd.Core.Processes;

namespace Akd.Agent.Sandbox;

/// <summary>Looks up and creates system users through getent and useradd, as argument arrays.</summary>
internal static class UnixUsers
{
    /// <summary>The user's uid and primary gid, or null when there is no such user.</summary>
    /// <param name="timeout">How long getent may take (<see cref="AgentOptions.LocalCommandTimeout"/>).</param>
    public static async Task<AppUser?> FindAsync(string name, TimeSpan timeout, CancellationToken ct) =>
        (await FindEntryAsync(name, timeout, ct).ConfigureAwait(false))?.User;

    /// <summary>The user's passwd entry, or null when there is no such user.</summary>
    public static async Task<PasswdEntry?> FindEntryAsync(string name, TimeSpan timeout, CancellationToken ct)
    {
        var (result, stdout) = await ProcessRunner.CaptureAsync(
            new ProcessSpec("getent", ["passwd", name]) { Timeout = timeout }, ct).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return null;
        }

        // name:x:uid:gid:gecos:home:shell
        var fields = stdout.Trim().Split(':');
        return fields.Length >= 7
            && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            && int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var gid)
            ? new PasswdEntry(new AppUser(name, uid, gid), fields[4], fields[6])
            : null;
    }

    /// <summary>
    /// A system user with a group of its own, no home and no login shell, as Debian packages make theirs.
    /// Needs root: useradd writes /etc/passwd.
    /// </summary>
    /// <param name="timeout">How long useradd (and the getent after it) may take (<see cref="AgentOptions.LocalCommandTimeout"/>).</param>
    public static async Task<AppUser> CreateAsync(string name, TimeSpan timeout, Action<string> log, CancellationToken ct)
    {
        var spec = new ProcessSpec("useradd", ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", AppUserHelper.NoLogin, "--comment", AppUserHelper.Comment, name])
        {
            Timeout = timeout,
        };
        log($"$ {spec.Display}");
        var output = new List<string>();
        var result = await ProcessRunner.RunAsync(spec, line =>
        {
            lock (output)
            {
                output.Add(line.Text);
            }
        }, ct).ConfigureAwait(false);

        // Another step may have made it in the meantime (two deploy paths of one app with one deploy.user).
        if (await FindAsync(name, timeout, ct).ConfigureAwait(false) is { } user)
        {
            return user;
        }

        throw new InvalidOperationException($"useradd {name} failed with exit code {result.ExitCode}: {string.Join(' ', output).Trim()}");
    }
}

/// <summary>What the agent reads of a passwd entry.</summary>
internal sealed record PasswdEntry(AppUser User, string Comment, string Shell);
