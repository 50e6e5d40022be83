using Akd.Agent.Releases;
using Akd.Agent.Sandbox;

namespace Akd.Agent.Tests.Releases;

/// <summary>What the systemd runner asks systemd for: pure, the argument array is built and read back.</summary>
public sealed class SystemdUnitTests
{
    private static SystemdUnit Unit() => new(
        SystemdUnit.NameFor("hello", "/var/lib/akd-agent/apps/hello"), "hello", "/var/lib/akd-agent/apps/hello/releases/0.1.0-r1",
        ["/var/lib/akd-agent/apps/hello/releases/0.1.0-r1/bin/hello", "start"], new AppUser("akd-app-hello", 990, 985),
        "/var/lib/akd-agent/apps/hello/shared/.akd-unit.env",
        ["/var/lib/akd-agent/apps/hello/shared", "/var/lib/akd-agent/apps/hello/releases/0.1.0-r1/tmp"], TimeSpan.FromSeconds(30));

    [Fact]
    public void NameFor_TwoDeployPathsOfOneApp_AreTwoUnitsNamedAfterTheApp()
    {
        // Act
        var production = SystemdUnit.NameFor("hello", "/srv/production/hello");
        var staging = SystemdUnit.NameFor("hello", "/srv/staging/hello");

        // Assert
        Assert.Matches("^akd-app-hello-[0-9a-f]{8}\\.service$", production);
        Assert.NotEqual(production, staging);
        Assert.Equal(production, SystemdUnit.NameFor("hello", "/srv/production/hello"));
    }

    [Fact]
    public void Properties_AppWithItsUser_RunsAsThatUserWritingOnlySharedAndTmp()
    {
        // Act
        var properties = Unit().Properties();

        // Assert
        Assert.Contains("User=990", properties);
        Assert.Contains("Group=985", properties);
        Assert.Contains("ReadWritePaths=-/var/lib/akd-agent/apps/hello/shared -/var/lib/akd-agent/apps/hello/releases/0.1.0-r1/tmp", properties);
        Assert.Contains("WorkingDirectory=/var/lib/akd-agent/apps/hello/releases/0.1.0-r1", properties);
        Assert.Contains("EnvironmentFile=/var/lib/akd-agent/apps/hello/shared/.akd-unit.env", properties);
        Assert.Contains("TimeoutStopSec=30", properties);
        Assert.Single(properties, p => p.StartsWith("ReadWritePaths=", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ProtectSystem=strict")]
    [InlineData("ProtectHome=yes")]
    [InlineData("PrivateTmp=yes")]
    [InlineData("NoNewPrivileges=yes")]
    [InlineData("CapabilityBoundingSet=")]
    [InlineData("RestrictSUIDSGID=yes")]
    [InlineData("SystemCallFilter=@system-service")]
    public void Properties_AnyApp_AreHardened(string property)
    {
        // Act
        var properties = Unit().Properties();

        // Assert
        Assert.Contains(property, properties);
    }

    [Fact]
    public void RunArguments_AnyApp_PassesEveryPropertyThenTheCommandAfterDoubleDash()
    {
        // Arrange
        var unit = Unit();

        // Act
        var args = unit.RunArguments();

        // Assert
        Assert.Equal($"--unit={unit.Unit}", args[0]);
        Assert.Contains("--collect", args);
        var dashDash = args.ToList().IndexOf("--");
        Assert.Equal(unit.Command, args.Skip(dashDash + 1));
        Assert.Equal(unit.Properties().Select(p => $"--property={p}"), args.Take(dashDash).Where(a => a.StartsWith("--property=", StringComparison.Ordinal)));
        Assert.DoesNotContain(args, a => a.Contains("SECRET", StringComparison.Ordinal));
    }

    [Fact]
    public void FormatEnvironment_QuotesAndBackslashes_AreEscapedForSystemd()
    {
        // Act
        var text = SystemdUnit.FormatEnvironment(new Dictionary<string, string> { ["B"] = "say \"hi\" \\o/", ["A"] = "$HOME stays" });

        // Assert
        Assert.EndsWith("A=\"$HOME stays\"\nB=\"say \\\"hi\\\" \\\\o/\"\n", text);
    }

    [Fact]
    public void FormatEnvironment_ValueWithALineBreak_IsRefusedNamingTheKey()
    {
        // Act
        var error = Assert.Throws<ArgumentException>(() => SystemdUnit.FormatEnvironment(new Dictionary<string, string> { ["CERT"] = "a\nb" }));

        // Assert
        Assert.Contains("CERT", error.Message);
    }
}
