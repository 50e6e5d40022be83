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
