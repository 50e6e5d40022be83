using Akd.Coordinator.Dashboard;
using Akd.Coordinator.Security;

namespace Akd.Coordinator.Tests.Dashboard;

public sealed class DashboardAccessTests
{
    private static readonly Caller Viewer = new(CallerKind.Operator, "eve", Role.Viewer);
    private static readonly Caller Deployer = new(CallerKind.Operator, "dan", Role.Deployer);
    private static readonly Caller Admin = new(CallerKind.Operator, "ada", Role.Admin);

    public static TheoryData<string> Reads => [DashboardAccess.ListAgents, DashboardAccess.ListDeployments, DashboardAccess.GetDeployment,
        DashboardAccess.WatchDeployment, DashboardAccess.ListReleases];

    public static TheoryData<string> Changes => [DashboardAccess.Deploy, DashboardAccess.Rollback, DashboardAccess.Cancel];

    [Theory]
    [MemberData(nameof(Reads))]
    public void Decide_ViewerReads_IsAllowed(string rpc)
    {
        // Act
        var decision = DashboardAccess.Decide(Viewer, rpc);

        // Assert
        Assert.Equal(DashboardDecision.Allowed, decision);
    }

    [Theory]
    [MemberData(nameof(Changes))]
    public void Decide_ViewerChanges_IsForbidden(string rpc)
    {
        // Act
        var decision = DashboardAccess.Decide(Viewer, rpc);

        // Assert
        Assert.Equal(DashboardDecision.Forbidden, decision);
    }

    [Theory]
    [MemberData(nameof(Changes))]
    public void Decide_DeployerOrAdminChanges_IsAllowed(string rpc)
    {
        // Act
        var deployer = DashboardAccess.Decide(Deployer, rpc);
        var admin = DashboardAccess.Decide(Admin, rpc);

        // Assert
        Assert.Equal(DashboardDecision.Allowed, deployer);
        Assert.Equal(DashboardDecision.Allowed, admin);
    }

    [Fact]
    public void Decide_NoCallerOrAnAgent_MustSignIn()
    {
        // Act
        var nobody = DashboardAccess.Decide(null, DashboardAccess.ListAgents);
        var agent = DashboardAccess.Decide(new Caller(CallerKind.Agent, "web-1", null), DashboardAccess.ListAgents);
        var anonymous = DashboardAccess.Decide(Caller.Anonymous, DashboardAccess.ListAgents);

        // Assert
        Assert.Equal(DashboardDecision.SignIn, nobody);
        Assert.Equal(DashboardDecision.SignIn, agent);
        Assert.Equal(DashboardDecision.SignIn, anonymous);
    }

    [Fact]
    public void Decide_MethodMissingFromThePolicy_IsForbiddenEvenForAdmin()
    {
        // Act
        var decision = DashboardAccess.Decide(Admin, "/akd.v1.Control/NoSuchMethod");

        // Assert
        Assert.Equal(DashboardDecision.Forbidden, decision);
    }

    [Fact]
    public void Decide_SameAnswersAsTheApiPolicy_ForEveryRoleAndPage()
    {
        // Arrange
        var pages = new[] { DashboardAccess.ListAgents, DashboardAccess.ListDeployments, DashboardAccess.GetDeployment, DashboardAccess.WatchDeployment,
            DashboardAccess.ListReleases, DashboardAccess.Deploy, DashboardAccess.Rollback, DashboardAccess.Cancel };

        foreach (var caller in new[] { Viewer, Deployer, Admin })
        {
            foreach (var rpc in pages)
            {
                // Act
                var decision = DashboardAccess.Decide(caller, rpc);

                // Assert
                Assert.Equal(RpcPolicy.For(rpc)!.Allows(caller), decision == DashboardDecision.Allowed);
            }
        }
    }

    [Theory]
    [InlineData("abc", "abc", true)]
    [InlineData("abc", "abd", false)]
    [InlineData("abc", "", false)]
    [InlineData("abc", null, false)]
    [InlineData("", "", false)]
    [InlineData(null, null, false)]
    public void CsrfMatches_OnlyTheSameNonEmptyValue_Matches(string? expected, string? presented, bool matches)
    {
        // Act
        var result = DashboardAccess.CsrfMatches(expected, presented);

        // Assert
        Assert.Equal(matches, result);
    }
}
