namespace Akd.Testing;

/// <summary>The repository checkout the running assembly was built from (where Akd.sln is), and its build configuration.</summary>
public static class RepoRoot
{
    public static string Path { get; } = Find(AppContext.BaseDirectory);

    /// <summary>Debug or Release: the programs are taken from the same configuration as the assembly that asks.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{System.IO.Path.DirectorySeparatorChar}Release{System.IO.Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>examples/hello, the small Mix app the tests and bench deploy.</summary>
    public static string HelloExample => System.IO.Path.Combine(Path, "examples", "hello");

    /// <summary>The hot-upgrade example: 0.1.0, with versions/0.2.0 (and a crashing 0.2.0) to copy over it.</summary>
    public static string CounterExample => System.IO.Path.Combine(Path, "examples", "counter");

    /// <summary>The nearest directory at or above <paramref name="from"/> that holds Akd.sln.</summary>
    public static string Find(string from)
    {
        for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Akd.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Akd.sln not found above {from}");
    }
}
