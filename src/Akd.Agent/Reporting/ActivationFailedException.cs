using Akd.Contracts.V1;

namespace Akd.Agent.Reporting;

/// <summary>Activation failed; <see cref="Output"/> says where the host was left (e.g. rolled back).</summary>
public sealed class ActivationFailedException(string message, ActivateOutput output) : Exception(message)
{
    public ActivateOutput Output { get; } = output;
}
