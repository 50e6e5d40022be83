using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Akd.Core.Archives;

/// <summary>Runs <c>git ls-files</c> with argument lists (never a shell) against a temporary git dir.</summary>
internal static class GitLsFiles
{
    /// <returns>Relative paths, or null when git is not installed.</returns>
    public static List<string>? TryList(string root)
    {
        var gitDir = Directory.CreateTempSubdirectory("akd-ls-files-");
        try
        {
            if (Run(root, ["init", "--quiet", "--bare", gitDir.FullName]) is null)
            {
                return null;
            }

            List<string> args =
            [
                "--git-dir=" + gitDir.FullName, "--work-tree=" + root,
                "-c", "core.excludesFile=/dev/null",
                "-c", "safe.directory=*", // listing a tree owned by another user is harmless
                "ls-files", "--others", "--exclude-standard", "-z",
            ];
            args.AddRange(SourceTree.ExcludedDirectories.Select(name => "--exclude=" + name + "/"));
            var output = Run(root, args)!;

            var files = new List<string>();
            foreach (var path in output.Split('\0', StringSplitOptions.RemoveEmptyEntries))
            {
                if (path.EndsWith('/'))
                {
                    // A nested repository: git lists it as one directory without looking inside.
                    var nested = path.TrimEnd('/');
                    files.AddRange(TryList(Path.Join(root, nested))!.Select(inner => nested + "/" + inner));
                }
                else
                {
                    files.Add(path);
                }
            }

            return files;
        }
        finally
        {
            gitDir.Delete(recursive: true);
        }
    }

    private static string? Run(string workingDirectory, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Variables a git hook or the user's shell may set would point git at another repository.
        foreach (var name in new[] { "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception)
        {
            return null; // git is not installed
        }

        using (process)
        {
            // stderr drains on its own thread so a chatty git cannot block on a full pipe.
            var stderr = new StringBuilder();
            process.ErrorDataReceived += (_, e) => stderr.AppendLine(e.Data);
            process.BeginErrorReadLine();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"git {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}): {stderr.ToString().Trim()}");
            }

            return stdout;
        }
    }
}
