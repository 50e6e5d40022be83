using Akd.Agent.Releases;

namespace Akd.Agent.Tests.Releases;

public sealed class ProcessGroupsTests
{
    [Fact(Timeout = 30_000)]
    public async Task TerminateAsync_GroupThatIgnoresTerm_IsKilledAfterTheGraceWithEverythingItSpawned()
    {
        // Arrange: an app in its own session whose shell and child both ignore SIGTERM (the child inherits it).
        var ready = Path.Combine(Path.GetTempPath(), $"akd-pg-{Guid.NewGuid():N}");
        using var app = ChildProcess.Shell($"trap '' TERM; sleep 300 & echo $! > {ready}; while :; do sleep 0.1; done", ownSession: true);
        await ChildProcess.WaitForFileAsync(ready);
        var child = int.Parse(File.ReadAllText(ready).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        File.Delete(ready);
        Assert.True(ProcessGroups.IsSessionLeader(app.Pid));
        var log = new List<string>();

        // Act
        await ProcessGroups.TerminateAsync(app.Pid, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5), TimeProvider.System, log.Add, CancellationToken.None);

        // Assert
        Assert.Equal([$"sending SIGTERM to pid {app.Pid} and its process group", $"pid {app.Pid} still running 0.3s after SIGTERM; sending SIGKILL"], log);
        Assert.False(ProcessGroups.IsAlive(app.Pid), "the group should be gone");
        Assert.False(ProcessSignals.IsAlive(child), "the app's child should be gone with its group");
    }

    [Fact(Timeout = 30_000)]
    public async Task TerminateAsync_GroupThatEndsOnTerm_IsNeverKilled()
    {
        // Arrange: a grace far longer than the test's timeout, so only SIGTERM can end it in time.
        using var app = ChildProcess.Shell("sleep 300 & wait", ownSession: true);
        while (!ProcessGroups.IsSessionLeader(app.Pid))
        {
            await Task.Delay(20);
        }

        var log = new List<string>();

        // Act
        await ProcessGroups.TerminateAsync(app.Pid, TimeSpan.FromHours(1), TimeSpan.FromSeconds(5), TimeProvider.System, log.Add, CancellationToken.None);

        // Assert
        Assert.Equal([$"sending SIGTERM to pid {app.Pid} and its process group"], log);
        Assert.False(ProcessGroups.IsAlive(app.Pid));
    }

    [Fact(Timeout = 30_000)]
    public async Task IsAlive_GroupWhoseLeaderExitedButChildLives_IsStillAlive()
    {
        // Arrange: a wrapper that did not exec; its child stays in the group after the wrapper ends.
        var ready = Path.Combine(Path.GetTempPath(), $"akd-pg-{Guid.NewGuid():N}");
        using var app = ChildProcess.Shell($"sleep 300 & echo $! > {ready}", ownSession: true);
        await ChildProcess.WaitForFileAsync(ready);
        var child = int.Parse(File.ReadAllText(ready).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        File.Delete(ready);
        while (ProcessSignals.IsAlive(app.Pid))
        {
            await Task.Delay(20);
        }

        // Act
        var alive = ProcessGroups.IsAlive(app.Pid);
        ProcessGroups.Send(child, ProcessSignals.SigKill);

        // Assert
        Assert.True(alive, "a group lives while any member does");
        while (ProcessSignals.IsAlive(child))
        {
            await Task.Delay(20);
        }

        Assert.False(ProcessGroups.IsAlive(app.Pid));
    }
}
