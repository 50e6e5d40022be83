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
        var values = Maskable(secrets);
        return values.Length == 0 ? log : line => log(line with { Text = Replace(line.Text, values) });
    }

    public static string Apply(string text, IEnumerable<string> secrets) => Replace(text, Maskable(secrets));

    /// <summary>Longest first, so that a secret containing another is masked whole.</summary>
    private static string[] Maskable(IEnumerable<string> secrets) =>
        secrets.Where(v => v.Length >= MinimumLength).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length).ToArray();

    private static string Replace(string text, string[] secrets)
    {
        foreach (var secret in secrets)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }
}
