using System.Text.RegularExpressions;

namespace Akd.Core.Health;

/// <summary>Expands <c>${VAR}</c> against the final env of one host (manifest env overridden by host env).</summary>
public static partial class EnvTemplate
{
    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Variable();

    /// <exception cref="KeyNotFoundException">A variable is not set on this host.</exception>
    public static string Expand(string template, IReadOnlyDictionary<string, string> env) =>
        Variable().Replace(template, m => env.TryGetValue(m.Groups[1].Value, out var value)
            ? value
            : throw new KeyNotFoundException($"'{template}' uses ${{{m.Groups[1].Value}}}, which is not set in the app's env on this host"));
}
