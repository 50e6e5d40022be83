using System.Text.RegularExpressions;

namespace Akd.Core.Manifest;

/// <summary>What akd needs to know about a Mix project, read from its <c>mix.exs</c>.</summary>
/// <param name="App">The <c>app:</c> atom, without the colon.</param>
/// <param name="Version">The <c>version:</c> string (also through a <c>@version</c> attribute), or null when it is computed.</param>
/// <param name="IsPhoenix">True when <c>mix.exs</c> depends on <c>:phoenix</c>.</param>
/// <param name="HasToolVersions">True when an asdf <c>.tool-versions</c> sits next to <c>mix.exs</c>.</param>
public sealed record MixProjectInfo(string App, string? Version, bool IsPhoenix, bool HasToolVersions);

/// <summary>
/// Reads <c>mix.exs</c> with regular expressions rather than running Elixir: this must work on machines
/// without Erlang (the local-build CLI defaults, and the coordinator), and the project function of a
/// Mix project is nearly always written literally.
/// </summary>
public static partial class MixProject
{
    /// <summary>Null when there is no readable <c>mix.exs</c> in <paramref name="projectDir"/> or it names no app.</summary>
    public static MixProjectInfo? TryRead(string projectDir)
    {
        ArgumentNullException.ThrowIfNull(projectDir);

        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(projectDir, "mix.exs"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // Whole-line comments often hold commented-out deps or settings; they must not count.
        var code = CommentLine().Replace(text, "");
        var app = AppPattern().Match(code);
        if (!app.Success)
        {
            return null;
        }

        return new MixProjectInfo(
            App: app.Groups["app"].Value,
            Version: Version(code),
            IsPhoenix: PhoenixPattern().IsMatch(code),
            HasToolVersions: File.Exists(Path.Combine(projectDir, ".tool-versions")));
    }

    private static string? Version(string code)
    {
        var version = VersionPattern().Match(code);
        if (!version.Success)
        {
            return null;
        }

        if (version.Groups["literal"].Success)
        {
            return version.Groups["literal"].Value;
        }

        var attribute = AttributePattern().Matches(code)
            .FirstOrDefault(m => m.Groups["name"].Value == version.Groups["attribute"].Value);
        return attribute?.Groups["value"].Value;
    }

    [GeneratedRegex(@"^[ \t]*#.*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex CommentLine();

    [GeneratedRegex(@"(?<![\w:])app:\s*:(?<app>[a-z_][a-zA-Z0-9_]*)", RegexOptions.CultureInvariant)]
    private static partial Regex AppPattern();

    [GeneratedRegex(@"(?<![\w:])version:\s*(?:""(?<literal>[^""]+)""|@(?<attribute>[a-z_][a-zA-Z0-9_]*))", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"^[ \t]*@(?<name>[a-z_][a-zA-Z0-9_]*)\s+""(?<value>[^""]+)""", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex AttributePattern();

    [GeneratedRegex(@":phoenix\b", RegexOptions.CultureInvariant)]
    private static partial Regex PhoenixPattern();
}
