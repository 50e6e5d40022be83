using Akd.Agent.Builds;
using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Agent.Sandbox;
using Akd.Core.Builders;
using Akd.Core.Hooks;
using Akd.Core.Manifest;

namespace Akd.Agent.Hooks;

/// <summary>
/// The hook pipeline of one step on this host: a build on the build agent, or an activation (with
/// the source strategy's build) on a target. Commands run in the directory each stage names, with the
/// app's env on this host, through the manifest's toolchain where the source is built here.
/// </summary>
internal sealed class DeployHooks : IActivationHooks
{
    private readonly HookRunner _runner;
    private readonly IReadOnlyDictionary<string, string?> _env;
    private readonly Func<IReadOnlyList<string>, IReadOnlyList<string>> _resolve;
    private readonly TimeSpan _commandTimeout;
    private Func<IReadOnlyList<string>, IReadOnlyList<string>> _wrap = c => c;

    private DeployHooks(
        AppManifest manifest, IReadOnlyDictionary<string, string?> env, bool useToolchain, TimeSpan commandTimeout, AgentOptions options, StepReporter reporter)
    {
        _runner = new HookRunner(manifest.Hooks, reporter.Output) { CleanupTimeout = options.HookCleanupTimeout };
        _env = env;
        var toolchain = manifest.Build.Toolchain;
        _resolve = useToolchain ? c => ToolchainCommand.Resolve(toolchain, c) : c => c;
        _commandTimeout = commandTimeout;
    }

    /// <summary>Hooks on a host that builds: the build agent, or a target of the source strategy.</summary>
    public static DeployHooks ForBuild(AppManifest manifest, IReadOnlyDictionary<string, string> appEnv, AgentOptions options, TimeSpan commandTimeout, StepReporter reporter) =>
        new(manifest, WithBuildEnv(manifest, appEnv, options), useToolchain: true, commandTimeout, options, reporter);

    /// <summary>
    /// Hooks on a target that receives a built release: commands such as <c>bin/APP eval ...</c> need only the app's env.
    /// Where the app has a user of its own, they run as that user, as the app itself does.
    /// </summary>
    public static DeployHooks ForRelease(
        AppManifest manifest, IReadOnlyDictionary<string, string> appEnv, AgentOptions options, TimeSpan commandTimeout, StepReporter reporter, AppSandbox sandbox)
    {
        var env = appEnv.ToDictionary(p => p.Key, p => (string?)p.Value);
        if (sandbox.User is not null)
        {
            env.TryAdd("HOME", sandbox.SharedDir);
        }

        return new(manifest, env, useToolchain: false, commandTimeout, options, reporter) { _wrap = sandbox.Wrap };
    }

    /// <exception cref="HookFailedException">A hook of this stage failed.</exception>
    public Task RunStageAsync(HookStage stage, string workingDirectory, CancellationToken ct) =>
        _runner.RunStageAsync(stage, new HookContext(workingDirectory, _env) { Resolve = c => _wrap(_resolve(c)), CommandTimeout = _commandTimeout }, ct);

    /// <summary>
    /// Runs <paramref name="pipeline"/> and then ends the hook pipeline: ensure always, rollback when it
    /// failed. A hook failure becomes the step's failure, with the hook's message.
    /// </summary>
    public async Task<T> RunPipelineAsync<T>(Func<Task<T>> pipeline, CancellationToken ct)
    {
        T result;
        try
        {
            result = await pipeline().ConfigureAwait(false);
        }
        catch (HookFailedException ex)
        {
            await _runner.FinishAfterFailureAsync(ct).ConfigureAwait(false);
            throw new StepFailedException(ex.Message);
        }
        catch
        {
            await _runner.FinishAfterFailureAsync(ct).ConfigureAwait(false);
            throw;
        }

        await _runner.FinishAsync(failed: false, ct).ConfigureAwait(false);
        return result;
    }

    public Task AfterActivateAsync(string releaseDir, CancellationToken ct) => RunStageAsync(HookStage.AfterActivate, releaseDir, ct);

    public Task AfterStartAsync(string releaseDir, CancellationToken ct) => RunStageAsync(HookStage.AfterStart, releaseDir, ct);

    public Task FailedAsync(CancellationToken ct) => _runner.FinishAfterFailureAsync(ct);

    private static Dictionary<string, string?> WithBuildEnv(AppManifest manifest, IReadOnlyDictionary<string, string> appEnv, AgentOptions options)
    {
        var env = appEnv.ToDictionary(p => p.Key, p => (string?)p.Value);
        foreach (var (key, value) in BuildEnvironment.ForMix(options))
        {
            env[key] = value;
        }

        env["MIX_ENV"] = manifest.Build.MixEnv;
        return env;
    }
}
