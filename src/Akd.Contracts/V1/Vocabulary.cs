using System.Collections.Frozen;

namespace Akd.Contracts.V1;

/// <summary>
/// The one mapping between the vocabulary's enums (<see cref="DeploymentState"/>, <see cref="DeploymentKind"/>,
/// <see cref="StepKind"/>, <see cref="StepState"/>, <see cref="Phase"/>) and the text messages, the store and
/// akdctl's output carry: the value's name in lower case, words joined by '-' (RolledBack: "rolled-back").
/// </summary>
public static class Vocabulary
{
    /// <summary>The text of <paramref name="value"/>; empty for the unspecified value (0).</summary>
    public static string Text<T>(this T value) where T : struct, Enum =>
        Words<T>.ToText.TryGetValue(value, out var text) ? text : "";

    /// <summary>The value <paramref name="text"/> names; the unspecified value (0) for empty or unknown text.</summary>
    public static T Parse<T>(string? text) where T : struct, Enum =>
        text is not null && Words<T>.FromText.TryGetValue(text, out var value) ? value : default;

    private static string Kebab(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString()));

    private static class Words<T> where T : struct, Enum
    {
        public static readonly FrozenDictionary<T, string> ToText =
            Enum.GetValues<T>().Where(v => !v.Equals(default(T))).ToFrozenDictionary(v => v, v => Kebab(v.ToString()));

        public static readonly FrozenDictionary<string, T> FromText =
            ToText.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
    }
}
