using System.Text;

namespace Akd.Core.Releases;

/// <summary>
/// The <c>shared/.env</c> format: POSIX shell assignments, one per line, every value in single
/// quotes (a <c>'</c> inside is written <c>'\''</c>). Inside single quotes a shell expands nothing,
/// so <c>set -a; . ./.env</c> reads back spaces, quotes, <c>$</c>, backslashes and newlines exactly.
/// Keys are sorted so rewriting the same settings gives the same file.
/// </summary>
internal static class EnvFileFormat
{
    public const string Header = "# Written by akd. POSIX shell syntax; load with: set -a; . ./.env; set +a";

    public static string Format(IReadOnlyDictionary<string, string> env)
    {
        var text = new StringBuilder(Header).Append('\n');
        foreach (var (key, value) in env.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (!IsValidKey(key))
            {
                throw new ArgumentException($"invalid environment variable name '{key}'", nameof(env));
            }

            if (value.Contains('\0'))
            {
                throw new ArgumentException($"the value of '{key}' contains a NUL character", nameof(env));
            }

            text.Append(key).Append("='").Append(value.Replace("'", "'\\''", StringComparison.Ordinal)).Append("'\n");
        }

        return text.ToString();
    }

    /// <summary>A name a shell accepts in an assignment.</summary>
    public static bool IsValidKey(string key) =>
        key.Length > 0
        && (char.IsAsciiLetter(key[0]) || key[0] == '_')
        && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
