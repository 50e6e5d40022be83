using Akd.Contracts.V1;

namespace Akd.Coordinator.Storage;

/// <summary>
/// The store keeps the vocabulary in text columns (deployments.state and kind, host_steps.step and state, events.step
/// and state, agents.state), each value as <see cref="Vocabulary"/> spells it. The words its queries compare with, as parameters.
/// </summary>
internal static class StoredWords
{
    public static readonly (string Name, object? Value) Deploy = ("@w_deploy", DeploymentKind.Deploy.Text());
    public static readonly (string Name, object? Value) Succeeded = ("@w_succeeded", DeploymentState.Succeeded.Text());
    public static readonly (string Name, object? Value) Build = ("@w_build", StepKind.Build.Text());
    public static readonly (string Name, object? Value) StepSucceeded = ("@w_step_succeeded", StepState.Succeeded.Text());
    public static readonly (string Name, object? Value) StepRolledBack = ("@w_step_rolled_back", StepState.RolledBack.Text());
    public static readonly (string Name, object? Value) Online = ("@w_online", AgentState.Online.Text());
    public static readonly (string Name, object? Value) Offline = ("@w_offline", AgentState.Offline.Text());
}
