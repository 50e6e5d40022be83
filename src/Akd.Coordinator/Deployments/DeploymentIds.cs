using System.Security.Cryptography;

namespace Akd.Coordinator.Deployments;

internal static class DeploymentIds
{
    /// <summary>Sortable and readable: <c>d-20261126T193000Z-1a2b3c</c>.</summary>
    public static string New(DateTimeOffset now) =>
        $"d-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
}
