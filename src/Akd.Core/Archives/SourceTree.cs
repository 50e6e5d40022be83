namespace Akd.Core.Archives;

/// <summary>The files of a Mix project that akdctl uploads for a remote build.</summary>
public static class SourceTree
{
    /// <summary>Build output and tool state: never uploaded, at any depth, whatever .gitignore says.</summary>
    internal static readonly IReadOnlySet<string> ExcludedDirectories =
        new HashSet<string>(StringComparer.Ordinal) { "_build", "deps", ".git", ".elixir_ls", "node_modules" };

    /// <summary>
    /// Lists files under <paramref name="root"/> honouring every <c>.gitignore</c>, as sorted
    /// '/'-separated relative paths. Symlinks are listed as files, not followed.
    /// </summary>
    /// <remarks>
    /// git does the ignore matching, against a throwaway repository so it works whether or not
    /// <paramref name="root"/> is a repository, sees untracked files too, and never touches root.
    /// Global and system git config are ignored so the upload does not depend on who runs akdctl.
    /// Without git, the tree is walked with only the fixed exclusions.
    /// </remarks>
    public static IReadOnlyList<string> ListFiles(string root)
    {
        var fullRoot = Path.GetFullPath(root);
        if (!Directory.Exists(fullRoot))
        {
            throw new DirectoryNotFoundException($"directory '{root}' does not exist");
        }

        var files = GitLsFiles.TryList(fullRoot) ?? Walk(fullRoot);
        return files.Where(path => !InExcludedDirectory(path)).Order(StringComparer.Ordinal).ToList();
    }

    internal static bool InExcludedDirectory(string relativePath)
    {
        var segments = relativePath.Split('/');
        return segments[..^1].Any(ExcludedDirectories.Contains);
    }

    internal static List<string> Walk(string root)
    {
        var files = new List<string>();
        WalkInto(root, "", files);
        return files;
    }

    private static void WalkInto(string root, string prefix, List<string> into)
    {
        var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false };
        var directory = new DirectoryInfo(Path.Join(root, prefix));
        foreach (var entry in directory.EnumerateFileSystemInfos("*", options))
        {
            var name = prefix.Length == 0 ? entry.Name : prefix + "/" + entry.Name;
            if (entry is DirectoryInfo && entry.LinkTarget is null)
            {
                if (!ExcludedDirectories.Contains(entry.Name))
                {
                    WalkInto(root, name, into);
                }
            }
            else
            {
                into.Add(name);
            }
        }
    }
}
