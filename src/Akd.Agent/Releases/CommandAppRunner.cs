using System.Globalization;
using Akd.Agent.Reporting;
using Akd.Agent.Sandbox;
using Akd.Core.Processes;

namespace Akd.Agent.Releases;

/// <summary>
/// Runs an app as a plain long-running command from its release directory: the source strategy's
/// <c>mix run --no-halt</c> or <c>mix phx.server</c>, or any <c>deploy.run</c> command. The app is
/// detached from the agent: <c>setsid --fork</c> puts it in a session of its own whose parent is not
/// the agent, so restarting or upgrading the agent (systemd's <c>KillMode=process</c>) leaves it
/// running. Its pid goes to <c>shared/app.pid</c>, its output to <c>shared/log/app.log</c>.
/// Stopping is SIGTERM to its process group, then SIGKILL after the grace period.
/// </summary>
/// <param name="options">The agent's waits: <see cref="AgentOptions.StopGracePeriod"/>, <see cref="AgentOptions.KillWait"/>, the launcher's timeouts.</param>
internal sealed class CommandAppRunner(AppCommand command, string sharedDir, StepReporter reporter, AgentOptions options, TimeProvider clock) : IAppRunner
{
    // A constant script, never built from input: the pid file, the log and the command arrive as
    // arguments. It records its own pid, then becomes the app (exec keeps the pid).
    private const string Launcher =
        "echo $$ > \"$1.tmp\" && mv -f \"$1.tmp\" \"$1\" && log=\"$2\" && shift 2 && exec \"$@\" < /dev/null >> \"$log\" 2>&1";

    /// <summary>Who the app runs as: its own user where the agent can switch users.</summary>
    public AppSandbox Sandbox { get; init; } = AppSandbox.AsAgent(sharedDir);

    public string PidFile => Path.Combine(sharedDir, "app.pid");

    public string LogFile => Path.Combine(sharedDir, "log", "app.log");

    private string DeployRoot => Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(sharedDir))!;

    public async Task StartAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var program = command.For(releaseDir);
        Directory.CreateDirectory(Path.GetDirectoryName(LogFile)!);

        // An app whose run state was lost (the agent died between start and record) would keep the port.
        if (ReadPidFile() is { } orphan && IsOurs(orphan))
        {
            reporter.Log($"pid {orphan} from {PidFile} is still running; stopping it first");
            await ProcessGroups.TerminateAsync(orphan, options.StopGracePeriod, options.KillWait, clock, reporter.Log, ct).ConfigureAwait(false);
        }

        File.Delete(PidFile);
        await File.AppendAllTextAsync(LogFile,
            $"==== {clock.GetUtcNow():yyyy-MM-dd'T'HH:mm:ss'Z'} starting {Path.GetFileName(releaseDir)}: {Display(program)} ====\n", ct).ConfigureAwait(false);
        if (Sandbox.User is { } user)
        {
            // The app appends its output as its own user: the log is the agent's, writable by the app's group.
            File.SetUnixFileMode(LogFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            FileOwnership.Chown(LogFile, UserSwitching.AgentUid, user.Gid);
        }

        var environment = env.ToDictionary(p => p.Key, p => (string?)p.Value);
        foreach (var (key, value) in command.ExtraEnv)
        {
            environment[key] = value;
        }

        environment[AppMarker.Variable] = DeployRoot;

        var spec = Sandbox.Wrap(new ProcessSpec("setsid", ["--fork", "sh", "-c", Launcher, "akd-launch", PidFile, LogFile, .. program])
        {
            WorkingDirectory = releaseDir,
            Environment = environment,
            Timeout = options.AppCommandTimeout,
            OutputDrainGrace = TimeSpan.FromMilliseconds(200),
        });
        reporter.Log($"$ {Display(program)} (detached; output in {LogFile})");
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(spec, reporter.Output, ct).ConfigureAwait(false);
        }
        catch (ProcessStartException ex)
        {
            throw new StepFailedException($"{ex.Message} (setsid comes with util-linux)");
        }

        if (!result.Succeeded)
        {
            throw new StepFailedException($"starting '{Display(program)}' failed: setsid exited with code {result.ExitCode}");
        }

        if (await WaitForPidFileAsync(ct).ConfigureAwait(false) is not { } pid)
        {
            throw new StepFailedException($"'{Display(program)}' did not start: no pid in {PidFile}");
        }

        reporter.Log($"started as pid {pid}");
    }

    /// <summary>The pid file is read by <see cref="GetPidAsync"/> itself, which runs nothing: no quiet lookup needed.</summary>
    public int? FindPidQuietly(string releaseDir, IReadOnlyDictionary<string, string> env) => null;

    public TimeSpan QuietPidLookupWindow => TimeSpan.Zero;

    public IEnumerable<string> BootLogFiles(string releaseDir) => [LogFile];

    public Task<int?> GetPidAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var pid = ReadPidFile();
        if (pid is { } known && ProcessGroups.IsSessionLeader(known) && IsOurs(known))
        {
            return Task.FromResult<int?>(known);
        }

        if (pid is not null)
        {
            reporter.Log($"pid {pid} has exited; the end of {LogFile}:");
            foreach (var line in BootLog.Tail(LogFile, 20))
            {
                reporter.Log("  " + line);
            }
        }

        return Task.FromResult<int?>(null);
    }

    public async Task StopAsync(string releaseDir, RunState state, CancellationToken ct)
    {
        var pid = state.Pid ?? ReadPidFile();
        if (pid is null || !ProcessSignals.IsAlive(pid.Value) || !IsOurs(pid.Value))
        {
            reporter.Log($"release {state.ReleaseId} is not running{(pid is null ? "" : $" (pid {pid} is gone)")}");
            File.Delete(PidFile);
            return;
        }

        reporter.Log($"stopping release {state.ReleaseId} (pid {pid})");
        await ProcessGroups.TerminateAsync(pid.Value, options.StopGracePeriod, options.KillWait, clock, reporter.Log, ct).ConfigureAwait(false);
        File.Delete(PidFile);
    }

    /// <summary>The launcher writes the pid as its first act: a short poll finds it.</summary>
    private static readonly TimeSpan PidFilePoll = TimeSpan.FromMilliseconds(50);

    private async Task<int?> WaitForPidFileAsync(CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        while (clock.GetElapsedTime(started) < options.AppPidFileTimeout)
        {
            if (ReadPidFile() is { } pid)
            {
                return pid;
            }

            await Task.Delay(PidFilePoll, clock, ct).ConfigureAwait(false);
        }

        return ReadPidFile();
    }

    /// <summary>
    /// Guards against a reused pid (the app died, the host rebooted): only a process started with
    /// this deploy path's marker in its environment is signalled.
    /// </summary>
    private bool IsOurs(int pid)
    {
        try
        {
            var marker = $"{AppMarker.Variable}={DeployRoot}";
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0').Contains(marker, StringComparer.Ordinal);
        }
        catch (UnauthorizedAccessException) when (Sandbox.User is { } user)
        {
            // Another user's environ needs CAP_SYS_PTRACE, which the agent does not hold. The deploy path's
            // own user is the marker then: no other app runs as it.
            return ProcessOwner(pid) == user.Uid;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The real uid of <paramref name="pid"/>, from /proc/PID/status (readable for every process).</summary>
    private static int? ProcessOwner(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            return line is not null && int.TryParse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? uid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private int? ReadPidFile()
    {
        try
        {
            return int.TryParse(File.ReadAllText(PidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 1 ? pid : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static string Display(IReadOnlyList<string> program) => new ProcessSpec(program[0], program.Skip(1).ToList()).Display;
}
