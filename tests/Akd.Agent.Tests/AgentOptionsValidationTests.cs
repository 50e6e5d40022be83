namespace Akd.Agent.Tests;

public sealed class AgentOptionsValidationTests
{
    [Fact]
    public void Validate_Defaults_Succeed()
    {
        var result = new AgentOptionsValidation().Validate(null, new AgentOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_ZeroAndNegativeWaits_FailNamingEachKey()
    {
        // Arrange: a kill wait of zero would give a SIGKILLed VM no time to go; a negative start timeout ends every start at once.
        var options = new AgentOptions { KillWait = TimeSpan.Zero, AppStartTimeout = TimeSpan.FromSeconds(-1), QuietPidLookupWindow = TimeSpan.Zero };

        // Act
        var result = new AgentOptionsValidation().Validate(null, options);

        // Assert: both named, and a zero quiet window (always ask the script) is allowed.
        Assert.True(result.Failed);
        Assert.Equal(["Agent:KillWait must be > 0 (it is 00:00:00)", "Agent:AppStartTimeout must be > 0 (it is -00:00:01)"], result.Failures);
    }
}
