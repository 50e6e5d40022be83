using System.Diagnostics;

namespace Akd.Bench.Scale;

/// <summary>Many <see cref="FakeAgent"/>s in this one process, each on its own connection, as a fleet of real hosts would be.</summary>
internal sealed class FakeAgentSwarm : IAsyncDisposable
{
    private readonly List<FakeAgent> _agents = [];
    private readonly List<Task> _runs = [];
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Opens <paramref name="count"/> streams, at most 100 handshakes at a time, and waits for every welcome.</summary>
    public async Task<TimeSpan> ConnectAsync(string url, Akd.Testing.TestChannel admin, string caFile, int count, TimeSpan timeout, CancellationToken ct)
    {
        // Enrollment happens once in a host's life; only connecting is timed.
        var join = await admin.JoinTokenAsync("role=fake", null, prefix: "fake-", uses: count, ct: ct).ConfigureAwait(false);
        var identities = await FakeAgent.EnrollAsync(url, caFile, join, count, ct).ConfigureAwait(false);
        var watch = Stopwatch.StartNew();
        using var handshakes = new SemaphoreSlim(100);
        var welcomes = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            await handshakes.WaitAsync(ct).ConfigureAwait(false);
            var agent = new FakeAgent($"fake-{i:0000}", url, caFile, identities[i]);
            _agents.Add(agent);
            _runs.Add(Task.Run(() => agent.RunAsync(_stop.Token), CancellationToken.None));
            welcomes.Add(agent.Welcomed.ContinueWith(_ => handshakes.Release(), TaskScheduler.Default));
        }

        await Task.WhenAll(welcomes).WaitAsync(timeout, ct).ConfigureAwait(false);
        var failed = _agents.Count(a => !a.Welcomed.IsCompletedSuccessfully);
        if (failed > 0)
        {
            throw new InvalidOperationException($"{failed} of {count} fake agents were not welcomed: {_agents.First(a => a.Welcomed.IsFaulted).Welcomed.Exception?.GetBaseException().Message}");
        }

        return watch.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_runs).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or IOException or Grpc.Core.RpcException)
        {
        }

        foreach (var agent in _agents)
        {
            agent.Dispose();
        }

        _stop.Dispose();
    }
}
