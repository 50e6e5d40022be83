using Grpc.Core;
using Polly;
using Polly.Retry;

namespace Akd.Client;

/// <summary>Which failures are worth another attempt, and the one retry policy built on that.</summary>
public static class TransientFaults
{
    /// <summary>A dropped connection, a restarting coordinator, a call that ran out of time: the next attempt may succeed.</summary>
    public static bool IsTransient(RpcException ex) =>
        ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Aborted;

    /// <summary>Exponential backoff with jitter, <paramref name="attempts"/> tries in all (at least one).</summary>
    public static ResiliencePipeline Retry(int attempts, TimeSpan firstDelay) => attempts <= 1 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<RpcException>(IsTransient).Handle<IOException>(),
            MaxRetryAttempts = attempts - 1,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = firstDelay,
        })
        .Build();
}
