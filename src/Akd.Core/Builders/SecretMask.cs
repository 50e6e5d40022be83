using Akd.Core.Processes;

namespace Akd.Core.Builders;

/// <summary>Replaces the values of build secrets with <c>***</c> in every line a build logs.</summary>
internal static class SecretMask
{
    public const string Mask = "***";

    /// <summary>Shorter values are left alone: masking "1" or "true" would garble the log and hide nothing.</summary>
    public const int MinimumLength = 4;

    public static Action<OutputLine> Wrap(Action<OutputLine> log, IEnumerable<string> secrets)
    {
        // Longest first, so that a secret containing another is masked whole.
        var values = secrets.Where(v => v.Length >= MinimumLength).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length).ToArray();
        return values.Length == 0 ? log : line => log(line with { Text = Apply(line.Text, values) });
    }

    internal static string Apply(string text, IReadOnlyList<string> secrets)
    {
        foreach (var secret in secrets)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }
}
