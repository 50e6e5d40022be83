using Polly;
using Polly.Retry;

namespace Akd.Client.Channels;

/// <summary>
/// How an agent keeps its stream to the coordinator: failed attempts are retried with jittered exponential backoff,
/// and a session that was up and ended starts a fresh sequence after a short random pause. One policy for the agent
/// and for the bench's fake agents, so that a measured reconnect storm is the storm real agents make.
/// </summary>
public static class Reconnects
{
    /// <summary>The first delay before another attempt; it doubles, with jitter, up to <see cref="MaxDelay"/>.</summary>
    public static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest pause between attempts.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(15);

    /// <summary>After a session that was up ends, the pause before redialling is random, between a fifth of this and this.</summary>
    public static readonly TimeSpan SessionEndPause = TimeSpan.FromMilliseconds(250);

    /// <summary>The TCP connect must end within this: a host that is down or unreachable is given up soon.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The whole connect, TCP and the TLS handshake, must end within this. Longer than <see cref="ConnectTimeout"/>:
    /// a coordinator that answered is alive, and when a replica dies and its thousands of agents dial a survivor, the
    /// survivor's handshakes share its cores and each takes longer. At 10 s for both, every handshake of such a burst ran
    /// out of time half done and was dialled again, so none finished (bench/, scenario 4b: 9 of 5,000 agents back after
    /// 120 s on a loaded machine, 35,000 connect timeouts); the coordinator's handshake timeout is as long.
    /// </summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Retries an attempt that throws what <paramref name="retry"/> accepts, for ever, with decorrelated jittered
    /// exponential backoff from <paramref name="baseDelay"/> up to <paramref name="maxDelay"/>.
    /// </summary>
    /// <param name="onRetry">Told why the attempt ended and how long the pause before the next is.</param>
    public static ResiliencePipeline Pipeline(TimeSpan baseDelay, TimeSpan maxDelay, Func<Exception, bool> retry, Action<Exception?, TimeSpan>? onRetry = null) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle(retry),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = baseDelay,
                MaxDelay = maxDelay,
                OnRetry = args =>
                {
                    onRetry?.Invoke(args.Outcome.Exception, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    /// <summary>The pause after a session that was up ended: agents dropped together do not all redial at once.</summary>
    public static TimeSpan PauseAfterSession(TimeSpan sessionEndPause) => sessionEndPause * (0.2 + (0.8 * Random.Shared.NextDouble()));
}
