using Akd.Coordinator.Security;

namespace Akd.Coordinator.Dashboard;

/// <summary>The addresses of <c>--dashboard-urls</c>, and whether they can be served beside the API's.</summary>
public sealed class DashboardUrls(IReadOnlyList<BindingAddress> addresses)
{
    public IReadOnlyList<BindingAddress> Addresses { get; } = addresses;

    public bool Enabled => Addresses.Count > 0;

    public IReadOnlySet<int> Ports { get; } = addresses.Select(a => a.Port).ToHashSet();

    public static DashboardUrls Parse(string? urls) => new(string.IsNullOrWhiteSpace(urls) ? [] : ListenUrls.Parse(urls).Addresses);

    /// <summary>Why these URLs cannot be served, or null.</summary>
    public string? Refusal(ListenUrls api)
    {
        if (Addresses.FirstOrDefault(a => !string.Equals(a.Scheme, "https", StringComparison.OrdinalIgnoreCase)) is { } plain)
        {
            return $"--dashboard-urls {plain} is cleartext: the dashboard's sign-in cookie is Secure, so it serves https:// only (with the coordinator's certificate)";
        }

        if (Addresses.FirstOrDefault(a => a.Port == 0) is { } zero)
        {
            return $"--dashboard-urls {zero} needs a port of its own (not 0): the dashboard is told apart from the API by its port";
        }

        var apiPorts = api.Addresses.Select(a => a.Port).ToHashSet();
        return Addresses.FirstOrDefault(a => apiPorts.Contains(a.Port)) is { } shared
            ? $"--dashboard-urls {shared} uses a port of --urls; the dashboard needs a port of its own (HTTP/1.1 there, HTTP/2 only for the API)"
            : null;
    }
}
