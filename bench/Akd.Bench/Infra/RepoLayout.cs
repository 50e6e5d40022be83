namespace Akd.Bench.Infra;

/// <summary>Where the built programs, the example app and the shell baselines are in the repository.</summary>
public sealed class RepoLayout(string root, string configuration = "Release")
{
    public string Root => root;

    public string Coordinator => Program("Akd.Coordinator", "akd-coordinator");

    public string Agent => Program("Akd.Agent", "akd-agent");

    public string Cli => Program("Akd.Cli", "akdctl");

    public string HelloExample => Path.Combine(root, "examples", "hello");

    /// <summary>bench/shell: the SSH way and the floor, as plain shell scripts.</summary>
    public string ShellDir => Path.Combine(root, "bench", "shell");

    /// <summary>bench/run.sh measures the Release builds; the smoke test uses whatever it was built with.</summary>
    public string Program(string project, string assembly) =>
        Path.Combine(root, "src", project, "bin", configuration, "net10.0", assembly + ".dll");

    public static string FindRoot(string from)
    {
        for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Akd.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Akd.sln not found above {from}");
    }

    public void CheckBuilt()
    {
        foreach (var program in new[] { Coordinator, Agent, Cli })
        {
            if (!File.Exists(program))
            {
                throw new InvalidOperationException($"{program} is missing: build {configuration} first (bench/run.sh does)");
            }
        }
    }
}
