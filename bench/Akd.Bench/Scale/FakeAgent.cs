using System.Security.Cryptography.X509Certificates;
using Akd.Client.Channels;
using Akd.Contracts.Trust;
using Akd.Contracts.V1;
using Akd.Testing;
using Google.Protobuf.WellKnownTypes;

namespace Akd.Bench.Scale;

/// <summary>
/// A fake agent for the load generator: the real protocol on its own HTTP/2 connection (AgentHub.Connect,
/// hello, heartbeats at the interval the coordinator's welcome asks for, a result for every step) and
/// nothing else: it runs no step, it answers a ping at once and refuses anything else. A lost stream is
/// reconnected with the real agent's policy and constants (<see cref="Reconnects"/>: jittered backoff from 200 ms,
/// doubling up to 15 s, a fresh sequence after a session that was up, a 10 s connect timeout), through the next of
/// <paramref name="url"/>'s replicas when its own cannot be reached. Its HTTP/2 is <see cref="LeanAgentCall"/>'s
/// (see there why), one connection per stream.
/// </summary>
/// <param name="url">The coordinator's URL, or several replicas' separated by commas: the first is tried first.</param>
internal sealed class FakeAgent(string name, string url, string caFile, X509Certificate2 certificate, Action<string, string>? attempted = null) : IDisposable
{
    private readonly IReadOnlyList<Uri> _addresses = CoordinatorAddresses.Parse(url);
    private readonly X509Certificate2 _ca = CaTrust.LoadCertificate(caFile);
    private LeanAgentCall? _call;
    private int _address;
    private int _welcomes;

    /// <summary>How many times a coordinator welcomed it: one more after each reconnect.</summary>
    public int Welcomes => Volatile.Read(ref _welcomes);

    /// <summary>
    /// Enrolls <paramref name="count"/> agents named fake-0000... with one join token, as real hosts do:
    /// a key made here, a CSR, a certificate back. Returns each certificate with its key.
    /// </summary>
    public static async Task<X509Certificate2[]> EnrollAsync(string url, string caFile, string join, int count, CancellationToken ct)
    {
        using var channel = new ClientChannel(new ClientChannelOptions { Address = url, Ca = CaTrust.LoadCertificate(caFile) });
        var client = new Enrollment.EnrollmentClient(channel.Invoker);
        var certificates = new X509Certificate2[count];
        using var parallel = new SemaphoreSlim(32);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await parallel.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                certificates[i] = await Enrollments.EnrollAsync(client, join, $"fake-{i:0000}", ct).ConfigureAwait(false);
            }
            finally
            {
                parallel.Release();
            }
        })).ConfigureAwait(false);
        return certificates;
    }

    private readonly TaskCompletionSource _welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The first welcome.</summary>
    public Task Welcomed => _welcomed.Task;

    /// <summary>Keeps a stream open until <paramref name="ct"/>: reconnects whenever it is lost, with the agent's policy.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var reconnect = Reconnects.Pipeline(Reconnects.BaseDelay, Reconnects.MaxDelay, ex => ex is not OperationCanceledException || !ct.IsCancellationRequested);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                // As the agent does (CoordinatorConnection): failed attempts back off; a session that was up and ended
                // starts a fresh sequence after a short random pause.
                await reconnect.ExecuteAsync(token => new ValueTask(AttemptAsync(token)), ct).ConfigureAwait(false);
                await Task.Delay(Reconnects.PauseAfterSession(Reconnects.SessionEndPause), ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        _welcomed.TrySetException(new IOException($"{name}: stopped before the welcome"));
    }

    /// <summary>One stream: returns when a session that was welcomed ended; throws when there was no welcome.</summary>
    private async Task AttemptAsync(CancellationToken ct)
    {
        var before = Welcomes;
        try
        {
            await RunStreamAsync(ct).ConfigureAwait(false);
            attempted?.Invoke(name, "stream ended by the coordinator");
        }
        catch (Exception ex) when (!ct.IsCancellationRequested &&
            ex is IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException or ObjectDisposedException or OperationCanceledException)
        {
            // The stream or its connection is gone.
            attempted?.Invoke(name, Outcome(ex));
            if (Welcomes == before)
            {
                throw;
            }

            return;
        }

        if (Welcomes == before)
        {
            throw new IOException("the coordinator ended the stream before welcoming the agent");
        }
    }

    /// <summary>
    /// Drops its connection (TCP and TLS, not only the stream), as a host whose network blinked or whose replica
    /// vanished: the run reconnects on a new one.
    /// </summary>
    public void Drop() => Volatile.Read(ref _call)?.Abort();

    /// <summary>How an attempt ended, in a few words the bench can count: the gRPC status and what lies under it.</summary>
    private static string Outcome(Exception ex) => ex switch
    {
        { InnerException: { } inner } => $"{ex.GetType().Name}: {inner.GetType().Name}: {Short(inner.GetBaseException().Message)}",
        _ => $"{ex.GetType().Name}: {Short(ex.Message)}",
    };

    private static string Short(string text) => text.Length <= 80 ? text : text[..80];

    public void Dispose() => _ca.Dispose();

    /// <summary>
    /// A connection to the replica that answered last (the first at the start); one that cannot be reached passes
    /// the next attempt to the next replica, as the agent's channel does.
    /// </summary>
    private async Task<LeanAgentCall> OpenAsync(CancellationToken ct)
    {
        var address = _addresses[_address % _addresses.Count];
        try
        {
            return await LeanAgentCall.OpenAsync(address, _ca, certificate, Reconnects.ConnectTimeout, Reconnects.HandshakeTimeout, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            _address++;
            throw;
        }
    }

    private async Task RunStreamAsync(CancellationToken ct)
    {
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await using var call = await OpenAsync(stream.Token).ConfigureAwait(false);
        Volatile.Write(ref _call, call);
        var hello = new AgentHello { Name = name, AgentVersion = "fake", Hostname = "akd-bench", Protocol = AgentProtocol.Current };
        hello.Labels["role"] = "fake";
        await call.SendAsync(new AgentMessage { Hello = hello }, stream.Token).ConfigureAwait(false);

        Task? heartbeats = null;
        try
        {
            await foreach (var message in call.ReadAllAsync(stream.Token).ConfigureAwait(false))
            {
                switch (message.BodyCase)
                {
                    case CoordinatorMessage.BodyOneofCase.Welcome:
                        Interlocked.Increment(ref _welcomes);
                        attempted?.Invoke(name, "welcome");
                        _welcomed.TrySetResult();
                        heartbeats ??= HeartbeatAsync(call, TimeSpan.FromSeconds(Math.Max(1, message.Welcome.HeartbeatSeconds)), stream.Token);
                        break;
                    case CoordinatorMessage.BodyOneofCase.RunStep:
                        var ping = message.RunStep.KindCase == StepCommand.KindOneofCase.Ping;
                        var result = new StepResult { StepId = message.RunStep.StepId, Ok = ping, Error = ping ? "" : "a fake agent only answers pings" };
                        await call.SendAsync(new AgentMessage { Result = result }, stream.Token).ConfigureAwait(false);
                        break;
                }
            }
        }
        finally
        {
            await stream.CancelAsync().ConfigureAwait(false);
            call.Abort();
            if (heartbeats is not null)
            {
                await heartbeats.ConfigureAwait(false);
            }
        }
    }

    private static async Task HeartbeatAsync(LeanAgentCall call, TimeSpan interval, CancellationToken ct)
    {
        try
        {
            // Real agents connect at different moments; so do their heartbeats.
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * interval.TotalMilliseconds), ct).ConfigureAwait(false);
            using var timer = new PeriodicTimer(interval);
            do
            {
                await call.SendAsync(new AgentMessage { Heartbeat = new Heartbeat { SentAt = Timestamp.FromDateTime(DateTime.UtcNow) } }, ct).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The call is gone or the swarm is being torn down.
        }
    }
}
