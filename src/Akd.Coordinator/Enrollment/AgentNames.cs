using System.Text.RegularExpressions;

namespace Akd.Coordinator.Enrollment;

/// <summary>What an agent name may look like: it becomes a certificate subject, a directory and an Erlang node name part.</summary>
internal static partial class AgentNames
{
    public static bool IsValid(string name) => Pattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex Pattern();
}
