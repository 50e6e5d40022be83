using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Akd.Bench.Scale;

/// <summary>Many <see cref="FakeAgent"/>s in this one process, each on its own connection, as a fleet of real hosts would be.</summary>
internal sealed class FakeAgentSwarm : IAsyncDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    private readonly List<FakeAgent> _agents = [];
    private readonly List<Task> _runs = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<(TimeSpan At, string Agent, string Outcome)> _attempts = new();
    private int _disposed;

    public int Count => _agents.Count;

    /// <summary>
    /// Enrolls <paramref name="count"/> agents through <paramref name="enrollUrl"/>, then opens their streams, at most
    /// 100 handshakes at a time, and waits for every welcome.
    /// </summary>
    /// <param name="urlOf">The <c>--coordinator</c> of agent i: one URL, or several replicas' (the first tried first).</param>
    /// <param name="connecting">Called once every agent is enrolled, right before the first connection: what is measured starts there.</param>
    public async Task<TimeSpan> ConnectAsync(
        string enrollUrl, Func<int, string> urlOf, Akd.Testing.TestChannel admin, string caFile, int count, TimeSpan timeout, CancellationToken ct,
        Action? connecting = null)
    {
        // Enrollment happens once in a host's life; only connecting is timed.
        var join = await admin.JoinTokenAsync("role=fake", null, prefix: "fake-", uses: count, ct: ct).ConfigureAwait(false);
        var identities = await FakeAgent.EnrollAsync(enrollUrl, caFile, join, count, ct).ConfigureAwait(false);
        connecting?.Invoke();
        var watch = Stopwatch.StartNew();
        using var handshakes = new SemaphoreSlim(100);
        var welcomes = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            await handshakes.WaitAsync(ct).ConfigureAwait(false);
            var agent = new FakeAgent($"fake-{i:0000}", urlOf(i), caFile, identities[i], Attempted);
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

    /// <summary>A reconnect storm: agents <paramref name="indices"/> all drop their connections at once.</summary>
    /// <returns>From the drop until every one of them was welcomed again.</returns>
    public Task<TimeSpan> StormAsync(IReadOnlyList<int> indices, TimeSpan timeout, CancellationToken ct)
    {
        var before = indices.Select(i => _agents[i].Welcomes).ToArray();
        var watch = Stopwatch.StartNew();
        foreach (var i in indices)
        {
            _agents[i].Drop();
        }

        return WaitWelcomedAgainAsync(indices, before, watch, timeout, ct);
    }

    /// <summary>Welcomes so far of agents <paramref name="indices"/>: what <see cref="WaitWelcomedAgainAsync"/> compares with.</summary>
    public int[] WelcomesOf(IReadOnlyList<int> indices) => indices.Select(i => _agents[i].Welcomes).ToArray();

    /// <summary>Waits until each of <paramref name="indices"/> has been welcomed more often than <paramref name="before"/> says.</summary>
    /// <returns><paramref name="since"/>'s elapsed time then; throws <see cref="TimeoutException"/> naming how many are missing.</returns>
    public async Task<TimeSpan> WaitWelcomedAgainAsync(IReadOnlyList<int> indices, int[] before, Stopwatch since, TimeSpan timeout, CancellationToken ct)
    {
        while (true)
        {
            var missing = indices.Where((agent, k) => _agents[agent].Welcomes <= before[k]).Count();
            if (missing == 0)
            {
                return since.Elapsed;
            }

            if (since.Elapsed > timeout)
            {
                throw new TimeoutException($"{missing} of {indices.Count} agents were not back after {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(Poll, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// What the agents' attempts since <paramref name="mark"/> came to (welcomes and how the others ended), with the
    /// second of each, written to <paramref name="csv"/> (seconds since the mark, agent, outcome) and summed up in the
    /// returned line: the evidence of where a storm's time goes.
    /// </summary>
    public string AttemptsSince(TimeSpan mark, string csv)
    {
        var since = _attempts.Where(a => a.At >= mark).ToList();
        var text = new StringBuilder("seconds,agent,outcome\n");
        foreach (var (at, agent, outcome) in since)
        {
            text.Append(CultureInfo.InvariantCulture, $"{(at - mark).TotalSeconds:0.000},{agent},\"{outcome.Replace('"', '\'')}\"\n");
        }

        File.WriteAllText(csv, text.ToString());
        var outcomes = since.GroupBy(a => a.Outcome).OrderByDescending(g => g.Count()).Take(6).Select(g => $"{g.Count()}× {g.Key}");
        return $"{since.Count} attempt ends: {string.Join("; ", outcomes)}";
    }

    /// <summary>Where the bench is now on the attempts' clock: <see cref="AttemptsSince"/> counts from such a mark.</summary>
    public TimeSpan Now => _clock.Elapsed;

    private void Attempted(string agent, string outcome) => _attempts.Enqueue((_clock.Elapsed, agent, outcome));

    /// <summary>Stops every agent; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

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
