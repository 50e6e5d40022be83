using System.Collections.Concurrent;
using Akd.Agent.Apps;
using Akd.Agent.Observability;
using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Contracts.V1;
using Akd.Core.Manifest;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Steps;

/// <summary>
/// One step at a time per build workspace and per deploy path on this host. The coordinator's deploy
/// lock normally ensures that, but after a coordinator restart an agent may still run a step of the
/// interrupted deployment when the next one arrives: that one waits instead of racing it.
/// </summary>
public sealed class StepLocks(IOptions<AgentOptions> options, AgentMetrics metrics)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>Null for steps that only read (the releases query).</summary>
    public string? KeyFor(StepCommand command, AppManifest manifest) => command.KindCase switch
    {
        StepCommand.KindOneofCase.Releases => null,
        StepCommand.KindOneofCase.Build => $"build:{manifest.App}",
        _ => $"deploy:{DeployPath.Resolve(manifest, options.Value)}",
    };

    public async Task<IDisposable?> AcquireAsync(string? key, StepReporter reporter, CancellationToken ct)
    {
        if (key is null)
        {
            return null;
        }

        var gate = _locks.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(0, ct).ConfigureAwait(false))
        {
            reporter.Log($"waiting for another step on {key} to finish");
            metrics.LockWaited();
            await gate.WaitAsync(ct).ConfigureAwait(false);
        }

        return new Releaser(gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
