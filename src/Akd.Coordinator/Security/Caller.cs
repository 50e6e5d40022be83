using Grpc.Core;

namespace Akd.Coordinator.Security;

/// <summary>What an operator token may do; each role includes the ones below it.</summary>
public enum Role
{
    Viewer = 1,
    Deployer = 2,
    Admin = 3,
}

public enum CallerKind
{
    Anonymous,
    Agent,
    Operator,
}

/// <summary>
/// Who made a call, decided once per call by <see cref="AuthInterceptor"/>: an enrolled agent (by its
/// client certificate) or an operator (by a named token). The name is what history records.
/// </summary>
public sealed record Caller(CallerKind Kind, string Name, Role? Role)
{
    public static readonly Caller Anonymous = new(CallerKind.Anonymous, "", null);

    private const string Key = "akd.caller";

    public override string ToString() => Kind switch
    {
        CallerKind.Agent => $"agent {Name}",
        CallerKind.Operator => $"token '{Name}' ({Role?.ToString().ToLowerInvariant()})",
        _ => "an anonymous caller",
    };

    public void AttachTo(ServerCallContext context) => context.UserState[Key] = this;

    public static Caller Of(ServerCallContext context) => context.UserState.TryGetValue(Key, out var value) && value is Caller caller ? caller : Anonymous;

    public static bool TryParseRole(string text, out Role role) =>
        Enum.TryParse(text, ignoreCase: true, out role) && Enum.IsDefined(role) && !int.TryParse(text, out _);
}
