using System.Security.Cryptography;
using System.Text;

namespace Akd.Agent.Sandbox;

/// <summary>A Unix user an app runs as.</summary>
internal sealed record AppUser(string Name, int Uid, int Gid)
{
    /// <summary>Linux user names are at most 32 characters.</summary>
    private const int MaxName = 32;

    /// <summary>
    /// The default of <c>deploy.user</c>: <c>akd-app-APP</c> for the app's default deploy path, else
    /// <c>akd-app-APP-HASH</c> with a short digest of the resolved path, so staging beside production on one
    /// host are two users that cannot read each other's <c>shared/</c>.
    /// </summary>
    public static string DefaultName(string app, string deployRoot, bool isDefaultPath)
    {
        var suffix = isDefaultPath ? "" : "-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(deployRoot)))[..6];
        var name = new string(app.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '-').ToArray());
        var room = MaxName - "akd-app-".Length - suffix.Length;
        return "akd-app-" + (name.Length > room ? name[..room] : name) + suffix;
    }
}
