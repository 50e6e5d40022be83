using Akd.Agent.Releases;
using Microsoft.Extensions.Time.Testing;

namespace Akd.Agent.Tests.Releases;

/// <summary>
/// The agent's waits for app processes run on its injected clock, for as long as its options say. The clock is a fake
/// (the test moves time, not the wall clock); the processes are real.
/// </summary>
public sealed class ProcessWaitClockTests
{
    [Fact(Timeout = 30_000)]
    public async Task WaitForExitAsync_ProcessOutlivesTheTimeout_GivesUpOnceTheClockPassedIt()
    {
        // Arrange: a process that would outlive the test, and a wait of ten minutes on a fake clock.
        using var app = ChildProcess.Start("sleep", "300");
        var clock = new FakeTimeProvider();
        var timeout = TimeSpan.FromMinutes(10);

        // Act: move the fake clock on until the wait ends.
        var wait = ProcessSignals.WaitForExitAsync(app.Pid, timeout, clock, CancellationToken.None);
        var moved = await AdvanceUntilDoneAsync(clock, wait, TimeSpan.FromSeconds(30));

        // Assert: it gave up with the process still there, once the ten minutes had passed on the clock and not before
        // (a step or two late at most: the test moves the clock while the wait's next poll is being scheduled).
        Assert.False(await wait);
        Assert.True(ProcessSignals.IsAlive(app.Pid));
        Assert.InRange(moved, timeout, timeout + TimeSpan.FromMinutes(2));
    }

    [Fact(Timeout = 30_000)]
    public async Task TerminateAsync_GroupIgnoresTerm_SendsSigkillOnceTheStopGracePeriodPassedOnTheClock()
    {
        // Arrange: a detached app whose whole group ignores SIGTERM; a stop grace of an hour on a fake clock.
        var ready = Path.Combine(Path.GetTempPath(), $"akd-wait-{Guid.NewGuid():N}");
        using var app = ChildProcess.Shell($"trap '' TERM; echo $$ > {ready}; while :; do sleep 0.1; done", ownSession: true);
        await ChildProcess.WaitForFileAsync(ready);
        File.Delete(ready);
        var clock = new FakeTimeProvider();
        var options = new AgentOptions { StopGracePeriod = TimeSpan.FromHours(1), KillWait = TimeSpan.FromMinutes(1) };
        var log = new List<string>();

        // Act
        var stop = ProcessGroups.TerminateAsync(app.Pid, options.StopGracePeriod, options.KillWait, clock, log.Add, CancellationToken.None);
        var moved = await AdvanceUntilDoneAsync(clock, stop, TimeSpan.FromMinutes(1));
        await stop;

        // Assert: SIGKILL came once the hour had passed on the clock (not before), and it ended the group.
        Assert.Equal([$"sending SIGTERM to pid {app.Pid} and its process group", $"pid {app.Pid} still running 3600s after SIGTERM; sending SIGKILL"], log);
        Assert.InRange(moved, options.StopGracePeriod, options.StopGracePeriod + options.KillWait + TimeSpan.FromMinutes(3));
        while (ProcessGroups.IsAlive(app.Pid))
        {
            await Task.Delay(20);
        }
    }

    /// <returns>How far the clock was moved, <paramref name="step"/> at a time, until <paramref name="task"/> ended.</returns>
    private static async Task<TimeSpan> AdvanceUntilDoneAsync(FakeTimeProvider clock, Task task, TimeSpan step)
    {
        var moved = TimeSpan.Zero;
        while (!task.IsCompleted)
        {
            clock.Advance(step);
            moved += step;
            await Task.WhenAny(task, Task.Delay(20));
        }

        return moved;
    }
}
