using Akd.Core.Manifest;
using Akd.Manifest;

namespace Akd.Core.Tests.Manifest;

/// <summary>Runs the loader on inline YAML and checks the errors it reports.</summary>
internal static class ManifestAssert
{
    public const string File = "akd.yaml";

    public static AppManifest Parse(string yaml, string? environment = null, string? defaultApp = null) =>
        ManifestLoader.Parse(yaml, File, environment, defaultApp);

    public static IReadOnlyList<ManifestError> Errors(string yaml, string? environment = null, string? defaultApp = "pinger")
    {
        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.Parse(yaml, File, environment, defaultApp));
        Assert.NotEmpty(ex.Errors);
        return ex.Errors;
    }

    /// <summary>The manifest has exactly one error, at <paramref name="line"/>:<paramref name="column"/>, mentioning every word.</summary>
    public static ManifestError SingleError(string yaml, int line, int column, params string[] words) =>
        SingleErrorIn(yaml, null, line, column, words);

    public static ManifestError SingleErrorIn(string yaml, string? environment, int line, int column, params string[] words)
    {
        var errors = Errors(yaml, environment);
        var error = Assert.Single(errors);
        AssertAt(error, line, column, words);
        return error;
    }

    public static void AssertAt(ManifestError error, int line, int column, params string[] words)
    {
        Assert.Equal(File, error.File);
        Assert.True(line == error.Line && column == error.Column, $"expected {line}:{column}, got {error}");
        foreach (var word in words)
        {
            Assert.Contains(word, error.Message, StringComparison.Ordinal);
        }
    }
}
