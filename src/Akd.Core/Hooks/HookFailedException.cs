namespace Akd.Core.Hooks;

/// <summary>A hook's main command failed and the hook does not ignore failures: the pipeline stops.</summary>
public sealed class HookFailedException(string hook, string message) : Exception(message)
{
    public string Hook { get; } = hook;
}
