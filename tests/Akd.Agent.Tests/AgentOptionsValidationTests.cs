using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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

    [Fact]
    public void Options_HookCleanupAndEnrollTimeoutsFromConfiguration_BoundAndZeroRefusedNamingTheKey()
    {
        // Arrange: the two keys as an operator writes them in /etc/akd/agent.json or AKD_Agent__* variables.
        var good = Resolve(new() { ["Agent:HookCleanupTimeout"] = "00:00:45", ["Agent:EnrollTimeout"] = "00:01:30" });
        var bad = Resolve(new() { ["Agent:HookCleanupTimeout"] = "00:00:00", ["Agent:EnrollTimeout"] = "-00:00:05" });

        // Act
        var options = good.Value;
        var error = Assert.Throws<OptionsValidationException>(() => bad.Value);

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(45), options.HookCleanupTimeout);
        Assert.Equal(TimeSpan.FromSeconds(90), options.EnrollTimeout);
        Assert.Equal(["Agent:HookCleanupTimeout must be > 0 (it is 00:00:00)", "Agent:EnrollTimeout must be > 0 (it is -00:00:05)"], error.Failures);
    }

    [Fact]
    public void Defaults_TimeoutsThatWereLiterals_KeepTheirValues()
    {
        var options = new AgentOptions();

        Assert.Equal(TimeSpan.FromMinutes(5), options.HookCleanupTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.EnrollTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), options.ToolchainProbeTimeout);
    }

    /// <summary>The agent's options as Program.cs binds and validates them, from <paramref name="settings"/>.</summary>
    private static IOptions<AgentOptions> Resolve(Dictionary<string, string?> settings)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddOptions<AgentOptions>().Bind(config.GetSection("Agent"));
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidation>();
        return services.BuildServiceProvider().GetRequiredService<IOptions<AgentOptions>>();
    }
}
