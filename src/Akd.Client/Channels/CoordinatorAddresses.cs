namespace Akd.Client.Channels;

/// <summary>
/// The coordinator's URLs as <c>--coordinator</c> gives them: one (<c>https://coord:7400</c>), or several replicas
/// separated by commas (<c>https://c1:7400,https://c2:7400</c>). A name with several addresses is one URL.
/// </summary>
public static class CoordinatorAddresses
{
    /// <summary>The URLs in the order given, or false with what is wrong, for one readable line.</summary>
    public static bool TryParse(string? text, out IReadOnlyList<Uri> addresses, out string error)
    {
        addresses = [];
        var parts = (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            error = "no coordinator URL given";
            return false;
        }

        var list = new List<Uri>(parts.Length);
        foreach (var part in parts)
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
            {
                error = $"'{part}' is not a URL such as https://127.0.0.1:7400";
                return false;
            }

            if (!list.Contains(uri))
            {
                list.Add(uri);
            }
        }

        addresses = list;
        error = "";
        return true;
    }

    /// <summary>The URLs, or a <see cref="FormatException"/> saying what is wrong.</summary>
    public static IReadOnlyList<Uri> Parse(string? text) =>
        TryParse(text, out var addresses, out var error) ? addresses : throw new FormatException(error);
}
