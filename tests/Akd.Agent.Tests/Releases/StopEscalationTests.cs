using Akd.Agent.Releases;
using Akd.Agent.Reporting;

namespace Akd.Agent.Tests.Releases;

/// <summary>
/// A release's stop: SIGTERM to the VM first (OTP runs <c>init:stop()</c> on it), then <c>bin/APP stop</c> after the
/// stop grace, then SIGKILL. The "VM" is a real process (a shell that traps signals as the test needs);
/// <c>bin/hello</c> is a script that stops it or not.
/// </summary>
public sealed class StopEscalationTests : IDisposable
{
    private readonly string _releaseDir = Directory.CreateTempSubdirectory("akd-stop-").FullName;
    private readonly Outbox _outbox = new();

    public StopEscalationTests()
    {
        // `stop` asks the "node" to shut down with SIGUSR1 when STOP_WORKS=1; otherwise the node does not answer.
        Directory.CreateDirectory(Path.Combine(_releaseDir, "bin"));
        var script = Path.Combine(_releaseDir, "bin", "hello");
        File.WriteAllText(script, """
            #!/bin/sh
            case "$1" in
              stop) if [ "$STOP_WORKS" = 1 ]; then kill -USR1 "$VM_PID"; exit 0; fi; echo "--rpc-eval : RPC failed with reason :nodedown" >&2; exit 1 ;;
              *) exit 1 ;;
            esac
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => Directory.Delete(_releaseDir, recursive: true);

    [Fact(Timeout = 30_000)]
    public async Task StopAsync_VmStopsOnSigterm_RunsNoStopScript()
    {
        // Arrange: a grace far past the test's timeout, so only SIGTERM can stop it in time; the script would say so.
        using var vm = await VmAsync("trap 'exit 0' TERM");
        var runner = new MixReleaseRunner("hello", TestMetrics.Reporter(_outbox, "s1"), new AgentOptions { StopGracePeriod = TimeSpan.FromHours(1) }, TimeProvider.System);

        // Act
        await runner.StopAsync(_releaseDir, State(vm, stopWorks: true), CancellationToken.None);

        // Assert
        Assert.False(ProcessSignals.IsAlive(vm.Pid));
        Assert.Equal([$"stopping release 0.1.0-r1 (pid {vm.Pid})", $"sending SIGTERM to pid {vm.Pid}"], AgentLines());
    }

    [Fact(Timeout = 30_000)]
    public async Task StopAsync_VmIgnoresSigtermButStopWorks_StopsThroughTheScriptAndSendsNoSigkill()
    {
        // Arrange
        using var vm = await VmAsync("trap '' TERM; trap 'exit 0' USR1");
        var runner = new MixReleaseRunner("hello", TestMetrics.Reporter(_outbox, "s1"), new AgentOptions { StopGracePeriod = TimeSpan.FromMilliseconds(300) }, TimeProvider.System);

        // Act
        await runner.StopAsync(_releaseDir, State(vm, stopWorks: true), CancellationToken.None);

        // Assert
        Assert.False(ProcessSignals.IsAlive(vm.Pid));
        var lines = AgentLines();
        Assert.Equal(
            [$"stopping release 0.1.0-r1 (pid {vm.Pid})", $"sending SIGTERM to pid {vm.Pid}", $"pid {vm.Pid} still running after SIGTERM; trying bin/hello stop"],
            lines.Where(l => !l.StartsWith("$ ", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("$ ", StringComparison.Ordinal) && l.EndsWith("bin/hello stop", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task StopAsync_VmIgnoresSigtermAndStop_IsKilled()
    {
        // Arrange
        using var vm = await VmAsync("trap '' TERM");
        var runner = new MixReleaseRunner("hello", TestMetrics.Reporter(_outbox, "s1"), new AgentOptions { StopGracePeriod = TimeSpan.FromMilliseconds(300) }, TimeProvider.System);

        // Act
        await runner.StopAsync(_releaseDir, State(vm, stopWorks: false), CancellationToken.None);

        // Assert
        Assert.False(ProcessSignals.IsAlive(vm.Pid));
        Assert.Equal(
            [
                $"stopping release 0.1.0-r1 (pid {vm.Pid})",
                $"sending SIGTERM to pid {vm.Pid}",
                $"pid {vm.Pid} still running after SIGTERM; trying bin/hello stop",
                $"pid {vm.Pid} ignored SIGTERM and stop; sending SIGKILL",
            ],
            AgentLines().Where(l => !l.StartsWith("$ ", StringComparison.Ordinal)));
    }

    /// <summary>The "VM": a shell that has installed its traps (a signal sent before would find the default action).</summary>
    private async Task<ChildProcess> VmAsync(string traps)
    {
        var ready = Path.Combine(_releaseDir, $"vm-{Guid.NewGuid():N}.ready");
        var vm = ChildProcess.Shell($"{traps}; echo ready > '{ready}'; while :; do sleep 0.05; done");
        await ChildProcess.WaitForFileAsync(ready);
        return vm;
    }

    private static RunState State(ChildProcess vm, bool stopWorks) =>
        new("0.1.0-r1", vm.Pid, new Dictionary<string, string> { ["VM_PID"] = vm.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), ["STOP_WORKS"] = stopWorks ? "1" : "0" });

    private List<string> AgentLines()
    {
        var lines = new List<string>();
        while (_outbox.Reader.TryRead(out var message))
        {
            if (message.Log is { Stream: "agent" } log)
            {
                lines.Add(log.Line);
            }
        }

        return lines;
    }
}
