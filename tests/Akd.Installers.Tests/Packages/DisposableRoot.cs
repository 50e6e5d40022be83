namespace Akd.Installers.Tests.Packages;

/// <summary>
/// A throw-away root for <c>dpkg --root</c>: this machine's user database and dpkg status (so the
/// packages' Depends are met by what the host has, as on a real server), nothing else. The
/// maintainer scripts run unchrooted (<c>--force-script-chrootless</c>) with <c>DPKG_ROOT</c> set,
/// and create users and files in this root only.
/// </summary>
internal sealed class DisposableRoot : IDisposable
{
    private static readonly TimeSpan DpkgTimeout = TimeSpan.FromMinutes(2);

    private static readonly string[] UserDatabase = ["passwd", "group", "shadow", "gshadow"];

    private static readonly Dictionary<string, string> DpkgEnvironment = new()
    {
        ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin",
        ["LANG"] = "C.UTF-8",
    };

    private DisposableRoot(DirectoryInfo directory) => Path = directory.FullName;

    public string Path { get; }

    public string AdminDir => Combine("var/lib/dpkg");

    public static async Task<DisposableRoot> CreateAsync(CancellationToken cancellationToken)
    {
        var root = new DisposableRoot(Directory.CreateTempSubdirectory("akd-root-"));
        Directory.CreateDirectory(root.Combine("etc"));
        foreach (var file in UserDatabase.Append("login.defs").Where(f => File.Exists("/etc/" + f)))
        {
            File.Copy("/etc/" + file, root.Combine("etc/" + file));
        }

        foreach (var dir in new[] { "info", "updates", "triggers" })
        {
            Directory.CreateDirectory(root.Combine("var/lib/dpkg/" + dir));
        }

        File.Copy("/var/lib/dpkg/status", root.Combine("var/lib/dpkg/status"));
        await File.WriteAllTextAsync(root.Combine("var/lib/dpkg/available"), "", cancellationToken);

        // The host's packages are listed but own no files here: say so, or dpkg warns about each one.
        var names = await Tool.RunAsync(
            "dpkg-query", ["--admindir", root.AdminDir, "--show", "--showformat", "${binary:Package}\n"],
            DpkgTimeout, cancellationToken, DpkgEnvironment);
        foreach (var name in names.Lines)
        {
            await File.WriteAllTextAsync(root.Combine($"var/lib/dpkg/info/{name}.list"), "", cancellationToken);
        }

        return root;
    }

    public string Combine(string relative) => System.IO.Path.Combine(Path, relative);

    public Task<ToolResult> DpkgAsync(CancellationToken cancellationToken, params string[] arguments) =>
        Tool.RunAsync(
            "dpkg",
            ["--root", Path, "--force-script-chrootless", .. arguments],
            DpkgTimeout,
            cancellationToken,
            DpkgEnvironment);

    public async Task<string> InstalledVersionAsync(string package, CancellationToken cancellationToken)
    {
        var result = await Tool.RunAsync(
            "dpkg-query", ["--admindir", AdminDir, "--show", "--showformat", "${db:Status-Abbrev}${Version}", package],
            DpkgTimeout, cancellationToken, DpkgEnvironment);
        return result.ExitCode == 0 ? result.Output.Trim() : "";
    }

    /// <summary>Every path in the root but dpkg's own database, which records what happened.</summary>
    public IReadOnlySet<string> Snapshot() =>
        Directory.EnumerateFileSystemEntries(Path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(entry => System.IO.Path.GetRelativePath(Path, entry))
            .Where(entry => !entry.StartsWith("var/lib/dpkg", StringComparison.Ordinal))
            // useradd and userdel keep the previous database as passwd- etc.: what is in it is checked apart.
            .Where(entry => !UserDatabase.Any(db => entry == $"etc/{db}-"))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The lines of the root's user and group databases that name <paramref name="user"/>.</summary>
    public IReadOnlyList<string> UserEntries(string user) =>
        UserDatabase.Select(db => Combine("etc/" + db))
            .Where(File.Exists)
            .SelectMany(file => File.ReadLines(file).Select(line => $"{System.IO.Path.GetFileName(file)}: {line}"))
            .Where(line => line.Split(": ", 2)[1].StartsWith(user + ":", StringComparison.Ordinal))
            .ToList();

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
