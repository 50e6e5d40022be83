using System.Collections.Concurrent;
using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;
using Akd.Core.Manifest;
using Akd.Manifest;
using Microsoft.Extensions.Time.Testing;

namespace Akd.Coordinator.Tests.Deployments;

public sealed class RolloutTests
{
    private static readonly string[] Five = ["web-1", "web-2", "web-3", "web-4", "web-5"];

    [Theory]
    [InlineData("2", new[] { 2, 2, 1 })]
    [InlineData("40%", new[] { 2, 2, 1 })]
    [InlineData("25%", new[] { 2, 2, 1 })]
    [InlineData("10%", new[] { 1, 1, 1, 1, 1 })]
    [InlineData("all", new[] { 5 })]
    [InlineData("9", new[] { 5 })]
    public void Batches_FiveTargets_CutsInTargetOrder(string batch, int[] sizes)
    {
        // Arrange
        var rolling = ManifestLoader.Parse($"app: web\ndeploy: {{ rolling: {{ batch: \"{batch}\" }} }}\n", "akd.yaml", null, null).Deploy.Rolling;

        // Act
        var batches = Rollout.Batches(Five, rolling.Batch);

        // Assert
        Assert.Equal(sizes, batches.Select(b => b.Count));
        Assert.Equal(Five, batches.SelectMany(b => b));
    }

    [Fact(Timeout = 10_000)]
    public async Task Run_AllHealthy_RunsBatchesOneAfterAnotherWithHostsInParallel()
    {
        // Arrange
        var log = new ConcurrentQueue<string>();
        var rollout = new Rollout(new RollingSettings { Batch = RollingBatch.Count(2) }, TimeProvider.System);

        // Act
        var outcome = await rollout.RunAsync(Five, async (host, ct) =>
        {
            log.Enqueue($"start {host}");
            await Task.Delay(50, ct);
            log.Enqueue($"end {host}");
            return Ok(host);
        }, NoBatchNote, CancellationToken.None, CancellationToken.None);

        // Assert
        Assert.False(outcome.Stopped);
        Assert.False(outcome.Cancelled);
        Assert.Equal(Five, outcome.Done.Select(d => d.Host));
        var order = log.ToList();
        Assert.True(order.IndexOf("start web-2") < order.IndexOf("end web-1"), "hosts of a batch run in parallel");
        Assert.True(order.IndexOf("start web-3") > order.IndexOf("end web-1") && order.IndexOf("start web-3") > order.IndexOf("end web-2"),
            "the next batch starts only when the batch is done");
    }

    [Fact(Timeout = 10_000)]
    public async Task Run_FailureInFirstBatchWithMaxFailuresZero_StopsAndLeavesTheRestUntouched()
    {
        // Arrange
        var touched = new ConcurrentBag<string>();
        var rollout = new Rollout(new RollingSettings { Batch = RollingBatch.Count(2) }, TimeProvider.System);

        // Act
        var outcome = await rollout.RunAsync(Five, (host, _) =>
        {
            touched.Add(host);
            return Task.FromResult(host == "web-2" ? Failed(host) : Ok(host));
        }, NoBatchNote, CancellationToken.None, CancellationToken.None);

        // Assert
        Assert.True(outcome.Stopped);
        Assert.Equal(["web-3", "web-4", "web-5"], outcome.NotReached);
        Assert.Equal(["web-1", "web-2"], touched.Order());
        Assert.Equal(["web-1"], outcome.Succeeded.Select(o => o.Host));
    }

    [Fact(Timeout = 10_000)]
    public async Task Run_FailuresWithinMaxFailures_GoesOnToTheEnd()
    {
        // Arrange
        var rollout = new Rollout(new RollingSettings { Batch = RollingBatch.Count(2), MaxFailures = 1 }, TimeProvider.System);

        // Act
        var outcome = await rollout.RunAsync(Five, (host, _) => Task.FromResult(host == "web-3" ? Failed(host) : Ok(host)),
            NoBatchNote, CancellationToken.None, CancellationToken.None);

        // Assert
        Assert.False(outcome.Stopped);
        Assert.Empty(outcome.NotReached);
        Assert.Equal(["web-3"], outcome.Failed.Select(f => f.Host));
    }

    [Theory(Timeout = 10_000)]
    [InlineData(0, true)]
    [InlineData(1, false)]
    public async Task Run_FailureDoneBeforeAResume_CountsAgainstMaxFailuresAsInOneRollout(int maxFailures, bool stops)
    {
        // Arrange: web-1 succeeded and web-2 failed before a coordinator restart.
        var rollout = new Rollout(new RollingSettings { Batch = RollingBatch.Count(2), MaxFailures = maxFailures }, TimeProvider.System);
        var ran = new List<string>();

        // Act
        var outcome = await rollout.RunAsync(["web-3", "web-4"], (host, _) =>
        {
            lock (ran)
            {
                ran.Add(host);
            }

            return Task.FromResult(Ok(host));
        }, NoBatchNote, CancellationToken.None, CancellationToken.None, [Ok("web-1"), Failed("web-2")]);

        // Assert
        Assert.Equal(stops, outcome.Stopped);
        Assert.Equal(stops ? [] : ["web-3", "web-4"], ran.Order());
        Assert.Equal(stops ? ["web-3", "web-4"] : [], outcome.NotReached);
        Assert.Equal(["web-2"], outcome.Failed.Select(f => f.Host));
    }

    [Fact(Timeout = 10_000)]
    public async Task Run_CancelDuringBatch_FinishesTheBatchInFlightAndStartsNoOther()
    {
        // Arrange
        using var cancel = new CancellationTokenSource();
        var rollout = new Rollout(new RollingSettings { Batch = RollingBatch.Count(2) }, TimeProvider.System);

        // Act
        var outcome = await rollout.RunAsync(Five, async (host, ct) =>
        {
            if (host == "web-1")
            {
                await cancel.CancelAsync();
            }

            await Task.Delay(50, ct);
            return Ok(host);
        }, NoBatchNote, cancel.Token, CancellationToken.None);

        // Assert
        Assert.True(outcome.Cancelled);
        Assert.Equal(["web-1", "web-2"], outcome.InFlightAtCancel.Select(o => o.Host));
        Assert.All(outcome.InFlightAtCancel, o => Assert.True(o.Ok));
        Assert.Equal(["web-3", "web-4", "web-5"], outcome.NotReached);
    }

    [Fact(Timeout = 10_000)]
    public async Task Run_PauseBetweenBatches_WaitsThePauseButNotAfterTheLast()
    {
        // Arrange: the pause runs on a fake clock that only this test moves.
        var clock = new FakeTimeProvider();
        var starts = new ConcurrentDictionary<string, DateTimeOffset>();
        var pause = TimeSpan.FromMilliseconds(300);
        var rollout = new Rollout(new RollingSettings { Batch = RollingBatch.Count(2), Pause = pause }, clock);

        // Act: move the clock in small steps until the last batch has started, then not at all.
        var run = rollout.RunAsync(Five, (host, _) =>
        {
            starts[host] = clock.GetUtcNow();
            return Task.FromResult(Ok(host));
        }, NoBatchNote, CancellationToken.None, CancellationToken.None);
        while (!starts.ContainsKey("web-5"))
        {
            clock.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Yield();
        }

        var stoppedAt = clock.GetUtcNow();
        var outcome = await run; // a pause after the last batch would never end: the clock no longer moves

        // Assert
        Assert.Empty(outcome.NotReached);
        Assert.Equal(starts["web-1"], starts["web-2"]);
        Assert.True(starts["web-3"] - starts["web-2"] >= pause, $"pause 1: {starts["web-3"] - starts["web-2"]}");
        Assert.True(starts["web-5"] - starts["web-4"] >= pause, $"pause 2: {starts["web-5"] - starts["web-4"]}");
        Assert.Equal(stoppedAt, clock.GetUtcNow());
    }

    [Fact(Timeout = 10_000)]
    public async Task Run_CancelDuringPause_EndsAtOnceWithNothingInFlight()
    {
        // Arrange: a 30 s pause on a fake clock that never moves, so only the cancel can end it.
        using var cancel = new CancellationTokenSource();
        var clock = new FakeTimeProvider();
        var started = clock.GetUtcNow();
        var touched = new ConcurrentBag<string>();
        var rollout = new Rollout(new RollingSettings { Batch = RollingBatch.Count(2), Pause = TimeSpan.FromSeconds(30) }, clock);

        // Act
        var run = rollout.RunAsync(Five, (host, _) =>
        {
            touched.Add(host);
            return Task.FromResult(Ok(host));
        }, NoBatchNote, cancel.Token, CancellationToken.None);
        Assert.False(run.IsCompleted, "the rollout should be in its pause after the first batch");
        await cancel.CancelAsync();
        var outcome = await run;

        // Assert
        Assert.True(outcome.Cancelled);
        Assert.Empty(outcome.InFlightAtCancel);
        Assert.Equal(["web-1", "web-2"], touched.Order());
        Assert.Equal(["web-3", "web-4", "web-5"], outcome.NotReached);
        Assert.Equal(started, clock.GetUtcNow());
    }

    [Fact(Timeout = 10_000)]
    public async Task Run_BatchNotes_NameEachBatch()
    {
        // Arrange
        var notes = new List<string>();
        var rollout = new Rollout(new RollingSettings { Batch = RollingBatch.Percent(50) }, TimeProvider.System);

        // Act
        await rollout.RunAsync(Five, (host, _) => Task.FromResult(Ok(host)), (i, count, hosts, _) =>
        {
            notes.Add($"{i + 1}/{count}: {string.Join(",", hosts)}");
            return Task.CompletedTask;
        }, CancellationToken.None, CancellationToken.None);

        // Assert
        Assert.Equal(["1/2: web-1,web-2,web-3", "2/2: web-4,web-5"], notes);
    }

    private static Task NoBatchNote(int index, int count, IReadOnlyList<string> hosts, CancellationToken ct) => Task.CompletedTask;

    private static HostOutcome Ok(string host) => new(host, true, new StepResult { Ok = true });

    private static HostOutcome Failed(string host) => new(host, false, new StepResult { Ok = false, Error = "health check failed" });
}
