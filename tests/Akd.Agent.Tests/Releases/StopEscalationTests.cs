using Akd.Agent.Connection;
using Akd.Agent.Releases;
using Akd.Agent.Steps;

namespace Akd.Agent.Tests.Releases;

/// <summary>
/// A release's stop: <c>bin/APP stop</c> first, then SIGTERM after the stop grace, then SIGKILL. The "VM" is a
/// real process (a shell that traps signals as the test needs); <c>bin/hello</c> is a script that stops it or not.
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
    public async Task StopAsync_StopScriptWorks_SendsNoSignal()
    {
        // Arrange: a grace far past the test's timeout, so only the script can stop it in time.
        using var vm = ChildProcess.Shell("trap 'exit 0' USR1; while :; do sleep 0.05; done");
        var runner = new MixReleaseRunner("hello", TestMetrics.Reporter(_outbox, "s1"), TimeSpan.FromHours(1));

        // Act
        await runner.StopAsync(_releaseDir, State(vm, stopWorks: true), CancellationToken.None);

        // Assert
        Assert.False(ProcessSignals.IsAlive(vm.Pid));
        Assert.DoesNotContain(AgentLines(), l => l.Contains("SIG", StringComparison.Ordinal));
    }

    [Fact(Timeout = 30_000)]
    public async Task StopAsync_NodeDoesNotAnswerStop_SendsSigtermAfterTheGraceAndNoSigkill()
    {
        // Arrange
        using var vm = ChildProcess.Shell("while :; do sleep 0.05; done");
        var runner = new MixReleaseRunner("hello", TestMetrics.Reporter(_outbox, "s1"), TimeSpan.FromMilliseconds(300));

        // Act
        await runner.StopAsync(_releaseDir, State(vm, stopWorks: false), CancellationToken.None);

        // Assert
        Assert.False(ProcessSignals.IsAlive(vm.Pid));
        var lines = AgentLines();
        Assert.Contains($"pid {vm.Pid} still running; sending SIGTERM", lines);
        Assert.DoesNotContain(lines, l => l.Contains("SIGKILL", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task StopAsync_NodeIgnoresStopAndSigterm_IsKilled()
    {
        // Arrange
        using var vm = ChildProcess.Shell("trap '' TERM; while :; do sleep 0.05; done");
        var runner = new MixReleaseRunner("hello", TestMetrics.Reporter(_outbox, "s1"), TimeSpan.FromMilliseconds(300));

        // Act
        await runner.StopAsync(_releaseDir, State(vm, stopWorks: false), CancellationToken.None);

        // Assert
        Assert.False(ProcessSignals.IsAlive(vm.Pid));
        var lines = AgentLines();
        Assert.Equal(
            [$"stopping release 0.1.0-r1 (pid {vm.Pid})", $"pid {vm.Pid} still running; sending SIGTERM", $"pid {vm.Pid} ignored SIGTERM; sending SIGKILL"],
            lines.Where(l => !l.StartsWith("$ ", StringComparison.Ordinal)));
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
