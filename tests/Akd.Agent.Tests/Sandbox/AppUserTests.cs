using Akd.Agent.Sandbox;
using Akd.Core.Processes;

namespace Akd.Agent.Tests.Sandbox;

public sealed class AppUserTests
{
    [Fact]
    public void DefaultName_DefaultDeployPath_IsAkdAppAndTheAppName()
    {
        // Act
        var name = AppUser.DefaultName("hello", "/var/lib/akd-agent/apps/hello", isDefaultPath: true);

        // Assert
        Assert.Equal("akd-app-hello", name);
    }

    [Fact]
    public void DefaultName_TwoOtherDeployPaths_DifferAndFitTheUserNameLimit()
    {
        // Arrange
        const string app = "an_app_with_a_rather_long_release_name";

        // Act
        var staging = AppUser.DefaultName(app, "/srv/staging/app", isDefaultPath: false);
        var production = AppUser.DefaultName(app, "/srv/production/app", isDefaultPath: false);

        // Assert
        Assert.NotEqual(staging, production);
        Assert.All([staging, production], n => Assert.Matches("^akd-app-[a-z0-9_-]+-[0-9a-f]{6}$", n));
        Assert.All([staging, production], n => Assert.True(n.Length <= 32, n));
    }

    [Fact]
    public void Prefix_AnyUser_SwitchesByNumberAndDropsEveryCapability()
    {
        // Act
        var prefix = AppSandbox.Prefix(new AppUser("akd-app-hello", 1234, 5678));

        // Assert
        Assert.Equal(
            ["setpriv", "--reuid=1234", "--regid=5678", "--init-groups", "--inh-caps=-all", "--ambient-caps=-all", "--no-new-privs", "--"],
            prefix);
    }

    [Fact]
    public void Wrap_AppUser_RunsTheProgramThroughOneSetprivWithTheAppsHome()
    {
        // Arrange
        var spec = new ProcessSpec("bin/hello", ["daemon"]) { WorkingDirectory = "/tmp" };

        // Act
        var wrapped = AppSandbox.As(new AppUser("akd-app-hello", 1234, 5678), "/srv/hello/shared").Wrap(spec);

        // Assert: setpriv once, then the program and its arguments as they were.
        Assert.Equal("setpriv", wrapped.FileName);
        Assert.Equal(["--reuid=1234", "--regid=5678", "--init-groups", "--inh-caps=-all", "--ambient-caps=-all", "--no-new-privs", "--", "bin/hello", "daemon"],
            wrapped.Arguments);
        Assert.Equal("/srv/hello/shared", wrapped.Environment["HOME"]);
        Assert.Equal("/tmp", wrapped.WorkingDirectory);
    }

    [Fact]
    public void Wrap_AgentsOwnUser_LeavesTheCommandAsItIs()
    {
        // Arrange
        var spec = new ProcessSpec("bin/hello", ["pid"]) { WorkingDirectory = "/tmp" };

        // Act
        var wrapped = AppSandbox.AsAgent("/tmp/shared").Wrap(spec);

        // Assert
        Assert.Same(spec, wrapped);
    }
}
