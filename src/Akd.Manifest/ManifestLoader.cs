using Akd.Core.Manifest;
using YamlDotNet.RepresentationModel;

namespace Akd.Manifest;

/// <summary>
/// Loads and validates <c>akd.yaml</c>. Nothing runs on a bad manifest: every problem is collected and
/// thrown together as a <see cref="ManifestException"/>, each with file, line, column and what was expected.
/// </summary>
public static class ManifestLoader
{
    /// <summary>Far above any real manifest (a few KiB); keeps a hostile one from costing the coordinator memory.</summary>
    public const int MaxManifestChars = 256 * 1024;

    /// <summary>
    /// Parses manifest text. With <paramref name="environment"/>, that environment's overlay is merged over the
    /// base first. Every environment's overlay is validated either way, so a typo in one is caught while using another.
    /// </summary>
    /// <param name="filePath">Used in error positions only.</param>
    /// <param name="defaultApp">Release name to use when the manifest has no <c>app</c> (the Mix app name).</param>
    public static AppManifest Parse(string yaml, string filePath, string? environment = null, string? defaultApp = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(filePath);

        if (yaml.Length > MaxManifestChars)
        {
            throw new ManifestException([new ManifestError(filePath, 1, 1, $"the manifest is {yaml.Length} characters long; at most {MaxManifestChars} are accepted")]);
        }

        var errors = new ManifestErrorList();
        var root = YamlText.LoadRoot(yaml, filePath, errors);
        if (root is not YamlMappingNode mapping)
        {
            if (root is not null)
            {
                var top = string.Join(", ", ManifestConverter.TopLevelKeys);
                new NodeReader(filePath, errors).Error(root, "", $"expected a mapping at the top level with keys such as {top}, got {NodeReader.Describe(root)}");
            }

            throw new ManifestException(errors.Sorted());
        }

        var reader = new NodeReader(filePath, errors);
        var environments = EnvironmentOverlays.Read(mapping, reader);
        var baseManifest = new ManifestConverter(reader).Convert(mapping, defaultApp);

        var selected = environment is null ? baseManifest : null;
        foreach (var overlay in environments)
        {
            var merged = overlay.Overlay is null ? baseManifest : ConvertMerged(mapping, overlay, filePath, defaultApp, errors);
            if (overlay.Name == environment)
            {
                selected = merged;
            }
        }

        if (selected is null)
        {
            var names = environments.Count == 0
                ? "the manifest declares no environments"
                : $"expected one of {string.Join(", ", environments.Select(e => e.Name))}";
            var at = new MappingView(mapping).KeyNode("environments") ?? mapping;
            reader.Error(at, "", $"unknown environment '{environment}'; {names}");
        }

        if (errors.Count > 0)
        {
            throw new ManifestException(errors.Sorted());
        }

        return selected! with { Environment = environment, EnvironmentNames = [.. environments.Select(e => e.Name)] };
    }

    /// <summary>Reads <paramref name="path"/>; the release name defaults to the app in the <c>mix.exs</c> next to it.</summary>
    public static AppManifest LoadFile(string path, string? environment = null)
    {
        ArgumentNullException.ThrowIfNull(path);

        if (Directory.Exists(path))
        {
            throw Unreadable(path, "is a directory; expected the path of an akd.yaml file");
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Unreadable(path, "manifest not found; write one with 'akdctl init' or pass its path with -f");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, $"cannot read the manifest: {ex.Message}");
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        return Parse(text, path, environment, MixProject.TryRead(directory)?.App);
    }

    private static AppManifest ConvertMerged(YamlMappingNode root, EnvironmentOverlay environment, string filePath, string? defaultApp, ManifestErrorList errors)
    {
        var overlay = new YamlOverlay();
        var merged = overlay.Merge(root, environment.Overlay!, EnvironmentOverlays.Forbidden);
        var found = new ManifestErrorList();
        var manifest = new ManifestConverter(new NodeReader(filePath, found, overlay.Positions)).Convert(merged, defaultApp);

        // Errors of the base manifest show up again in every merged view; report only what the overlay brought in.
        foreach (var error in found.All.Where(e => !errors.Contains(e)))
        {
            errors.Add(error with { Message = $"{error.Message} (environment '{environment.Name}')" });
        }

        return manifest;
    }

    private static ManifestException Unreadable(string path, string message) =>
        new([new ManifestError(path, 0, 0, message)]);
}
