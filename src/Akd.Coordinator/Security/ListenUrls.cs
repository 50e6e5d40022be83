using System.Net;
using Microsoft.AspNetCore.Http;

namespace Akd.Coordinator.Security;

/// <summary>The addresses of <c>--urls</c> (default <c>https://0.0.0.0:7400</c>), and whether they may be served as configured.</summary>
public sealed class ListenUrls(IReadOnlyList<BindingAddress> addresses)
{
    public const string Default = "https://0.0.0.0:7400";

    public IReadOnlyList<BindingAddress> Addresses { get; } = addresses;

    public static ListenUrls Parse(string? urls) =>
        new((string.IsNullOrWhiteSpace(urls) ? Default : urls)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(BindingAddress.Parse)
            .ToList());

    /// <summary>
    /// Why <paramref name="urls"/> are not listen URLs (scheme://host:port, several separated by ';'), or null. Checked
    /// before Kestrel sees them: it read <c>https://127.0.0.1:abc</c> as every address on port 443, and threw a stack
    /// trace for a port out of range.
    /// </summary>
    public static string? Malformed(string? urls, string flag)
    {
        if (string.IsNullOrWhiteSpace(urls))
        {
            return null;
        }

        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcards for every address, which System.Uri does not take as a host.
            var plain = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(plain, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0 ||
                uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.UserInfo.Length > 0)
            {
                return $"{flag}: '{url}' is not a listen URL such as https://0.0.0.0:7400 (scheme://host:port; several separated by ';')";
            }
        }

        return null;
    }

    /// <summary>Why these URLs cannot be served, or null. Cleartext needs the flag, and the flag needs loopback.</summary>
    public string? Refusal(bool insecurePlaintext)
    {
        var plain = Addresses.Where(a => !string.Equals(a.Scheme, "https", StringComparison.OrdinalIgnoreCase)).ToList();
        if (plain.Count == 0)
        {
            return null;
        }

        if (!insecurePlaintext)
        {
            return $"{plain[0]} is cleartext: the coordinator carries tokens, certificates and releases, so it serves https:// only " +
                "(its own CA and certificate are made under <data-dir>/pki/). For a local experiment on loopback, add --insecure-plaintext.";
        }

        var remote = plain.FirstOrDefault(a => !IsLoopback(a.Host));
        return remote is null ? null : $"--insecure-plaintext is for loopback only, and {remote} is not a loopback address; use https://";
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
