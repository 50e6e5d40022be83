namespace Akd.Coordinator.Security;

/// <summary>Who may call a method: anyone (the method checks a credential of its own), agents, and/or operators from a role up.</summary>
public sealed record Access(bool Anyone, bool Agents, Role? Operators)
{
    public static readonly Access Public = new(true, false, null);
    public static readonly Access Agent = new(false, true, null);

    public static Access Operator(Role role) => new(false, false, role);

    public static Access AgentOr(Role role) => new(false, true, role);

    public bool Allows(Caller caller) => Anyone || caller.Kind switch
    {
        CallerKind.Agent => Agents,
        CallerKind.Operator => Operators is { } least && caller.Role >= least,
        _ => false,
    };
}

/// <summary>
/// Every RPC and who may call it, in one table. A method missing here is refused (fail closed);
/// only gRPC health is open to anonymous callers.
/// </summary>
public static class RpcPolicy
{
    private static readonly Dictionary<string, Access> Rules = new(StringComparer.Ordinal)
    {
        ["/akd.v1.AgentHub/Connect"] = Access.Agent,
        ["/akd.v1.Enrollment/Enroll"] = Access.Public,
        ["/akd.v1.Artifacts/Upload"] = Access.AgentOr(Role.Deployer),
        ["/akd.v1.Artifacts/Download"] = Access.AgentOr(Role.Deployer),
        ["/akd.v1.Artifacts/Stat"] = Access.AgentOr(Role.Deployer),
        ["/akd.v1.Artifacts/Follow"] = Access.AgentOr(Role.Deployer),
        ["/akd.v1.Swarm/Plan"] = Access.Agent,
        ["/akd.v1.Swarm/ReportBadPiece"] = Access.Agent,
        ["/akd.v1.Control/Deploy"] = Access.Operator(Role.Deployer),
        ["/akd.v1.Control/CheckDeploy"] = Access.Operator(Role.Deployer),
        ["/akd.v1.Control/Rollback"] = Access.Operator(Role.Deployer),
        ["/akd.v1.Control/ControlApp"] = Access.Operator(Role.Deployer),
        ["/akd.v1.Control/CancelDeployment"] = Access.Operator(Role.Deployer),
        ["/akd.v1.Control/WatchDeployment"] = Access.Operator(Role.Viewer),
        ["/akd.v1.Control/GetDeployment"] = Access.Operator(Role.Viewer),
        ["/akd.v1.Control/ListDeployments"] = Access.Operator(Role.Viewer),
        ["/akd.v1.Control/ListAgents"] = Access.Operator(Role.Viewer),
        ["/akd.v1.Control/ListReleases"] = Access.Operator(Role.Viewer),
        // It names an artifact that only a deployer may download.
        ["/akd.v1.Control/GetUpgradeBase"] = Access.Operator(Role.Deployer),
        ["/akd.v1.Admin/PingAgents"] = Access.Operator(Role.Admin),
        ["/akd.v1.AgentAccess/CreateJoinToken"] = Access.Operator(Role.Admin),
        ["/akd.v1.AgentAccess/LabelAgent"] = Access.Operator(Role.Admin),
        ["/akd.v1.AgentAccess/RevokeAgent"] = Access.Operator(Role.Admin),
        ["/akd.v1.AgentAccess/RemoveAgent"] = Access.Operator(Role.Admin),
        ["/akd.v1.Tokens/CreateToken"] = Access.Operator(Role.Admin),
        ["/akd.v1.Tokens/ListTokens"] = Access.Operator(Role.Admin),
        ["/akd.v1.Tokens/RevokeToken"] = Access.Operator(Role.Admin),
    };

    public static Access? For(string method) =>
        Rules.TryGetValue(method, out var access) ? access
        : method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal) ? Access.Public
        : method.StartsWith("/grpc.reflection.", StringComparison.Ordinal) ? Access.Operator(Role.Viewer)
        : null;
}
