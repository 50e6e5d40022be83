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

    /// <summary>Connecting (TCP and TLS) must end within this.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

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
