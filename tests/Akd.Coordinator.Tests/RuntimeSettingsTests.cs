using System.Text.Json;
using Akd.Testing;

namespace Akd.Coordinator.Tests;

/// <summary>
/// Runtime settings the coordinator and the agent were measured with (bench/, scenario 4): set in their project files,
/// they reach the runtime only through each program's runtimeconfig.json, which a project edit can silently drop.
/// </summary>
public sealed class RuntimeSettingsTests
{
    [Theory]
    [InlineData("Akd.Coordinator", "akd-coordinator", "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", "0")]
    [InlineData("Akd.Agent", "akd-agent", "System.Net.SocketsHttpHandler.Http2FlowControl.DisableDynamicWindowSizing", "true")]
    public void RuntimeConfig_OfTheProgram_CarriesTheSetting(string project, string program, string setting, string expected)
    {
        // Arrange: the built program's runtimeconfig.json (the whole solution is built before the tests run).
        var path = Path.ChangeExtension(AkdPrograms.Current.Program(project, program), ".runtimeconfig.json");
        Assert.True(File.Exists(path), $"{path} is missing: build the solution first");
        using var config = JsonDocument.Parse(File.ReadAllText(path));

        // Act
        var found = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").TryGetProperty(setting, out var value);

        // Assert
        Assert.True(found, $"{program}.runtimeconfig.json has no {setting}");
        Assert.Equal(expected, value.ToString().ToLowerInvariant());
    }
}
