using System.Security.Cryptography;

namespace Akd.Contracts.Trust;

/// <summary>
/// A join token as printed: <c>akdj1.&lt;id&gt;.&lt;secret&gt;.&lt;CA fingerprint&gt;</c>. The id finds the
/// record, the 256-bit secret proves the token (only its hash is stored), the fingerprint lets the
/// agent pin the coordinator's CA before it sends anything.
/// </summary>
public sealed record JoinTokenText(string Id, string Secret, string CaFingerprint)
{
    private const string Prefix = "akdj1";

    public static JoinTokenText New(string caFingerprint) =>
        new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), Base64Url(RandomNumberGenerator.GetBytes(32)), caFingerprint);

    public override string ToString() => $"{Prefix}.{Id}.{Secret}.{CaFingerprint}";

    public static bool TryParse(string? text, out JoinTokenText token)
    {
        token = null!;
        var parts = (text ?? "").Trim().Split('.');
        if (parts.Length != 4 || parts[0] != Prefix || parts[1].Length != 16 || parts[2].Length < 40 || parts[3].Length != 64)
        {
            return false;
        }

        token = new JoinTokenText(parts[1], parts[2], parts[3].ToLowerInvariant());
        return true;
    }

    /// <summary>What the coordinator stores instead of the secret.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)));

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
