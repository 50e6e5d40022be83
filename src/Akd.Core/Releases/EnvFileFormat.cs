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

    /// <summary>Reads back what <see cref="Format"/> wrote: comments, blank lines and <c>KEY='value'</c> assignments.</summary>
    /// <exception cref="FormatException">The text is not in this format (e.g. edited by hand into other shell syntax).</exception>
    public static Dictionary<string, string> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var line = 1;
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '\n')
            {
                line++;
                i++;
                continue;
            }

            if (text[i] == '#')
            {
                var end = text.IndexOf('\n', i);
                i = end < 0 ? text.Length : end;
                continue;
            }

            var equals = text.IndexOf('=', i);
            var key = equals < 0 ? "" : text[i..equals];
            if (!IsValidKey(key) || equals + 1 >= text.Length || text[equals + 1] != '\'')
            {
                throw new FormatException($"line {line}: expected KEY='value'");
            }

            var value = new StringBuilder();
            i = equals + 2;
            while (true)
            {
                var quote = text.IndexOf('\'', i);
                if (quote < 0)
                {
                    throw new FormatException($"line {line}: the value of {key} has no closing quote");
                }

                value.Append(text, i, quote - i);
                line += text.AsSpan(i, quote - i).Count('\n');
                if (string.CompareOrdinal(text, quote, "'\\''", 0, 4) == 0)
                {
                    value.Append('\'');
                    i = quote + 4;
                    continue;
                }

                i = quote + 1;
                break;
            }

            if (i < text.Length && text[i] != '\n')
            {
                throw new FormatException($"line {line}: unexpected text after the value of {key}");
            }

            env[key] = value.ToString();
        }

        return env;
    }

    /// <summary>A name a shell accepts in an assignment.</summary>
    public static bool IsValidKey(string key) =>
        key.Length > 0
        && (char.IsAsciiLetter(key[0]) || key[0] == '_')
        && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
