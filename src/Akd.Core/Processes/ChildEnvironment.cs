namespace Akd.Core.Processes;

/// <summary>
/// Variables of this process that its children must not inherit. The agent's own settings (its
/// coordinator token among them) arrive as environment variables; builds, hooks and the apps it
/// starts are the user's code and get only the env they are given, plus the host's ordinary env.
/// </summary>
public static class ChildEnvironment
{
    private static volatile string[] s_withheldPrefixes = [];

    /// <summary>Withholds every inherited variable whose name starts with one of <paramref name="prefixes"/> (case-insensitive, as .NET configuration reads them).</summary>
    public static void Withhold(params string[] prefixes)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        s_withheldPrefixes = [.. s_withheldPrefixes, .. prefixes];
    }

    /// <summary>Removes the withheld variables from <paramref name="inherited"/>, except those a spec sets on purpose.</summary>
    internal static void Scrub(IDictionary<string, string?> inherited, IReadOnlyDictionary<string, string?> explicitlySet)
    {
        var prefixes = s_withheldPrefixes;
        if (prefixes.Length == 0)
        {
            return;
        }

        var withheld = inherited.Keys
            .Where(key => !explicitlySet.ContainsKey(key) && prefixes.Any(p => key.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        foreach (var key in withheld)
        {
            inherited.Remove(key);
        }
    }
}
