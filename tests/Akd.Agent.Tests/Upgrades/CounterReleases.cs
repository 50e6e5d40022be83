using Akd.Core.Processes;
using Akd.Testing;

namespace Akd.Agent.Tests.Upgrades;

/// <summary>
/// examples/counter built with <c>mix release</c> three times, once for the test collection: 0.1.0 as checked in,
/// 0.2.0 (versions/0.2.0: code_change/3 turns the count into a map) and a 0.2.0 whose code_change/3
/// crashes (versions/0.2.0-crash). Each is a real release with ERTS included.
/// </summary>
public sealed class CounterReleases : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akd-counter-").FullName;

    public string V1 { get; private set; } = "";

    public string V2 { get; private set; } = "";

    public string V2Crash { get; private set; } = "";

    public string Scratch => _dir;

    public async Task InitializeAsync()
    {
        V1 = await BuildAsync("v1", null);
        V2 = await BuildAsync("v2", "0.2.0");
        V2Crash = await BuildAsync("v2-crash", "0.2.0-crash");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<string> BuildAsync(string name, string? overlay)
    {
        var project = Path.Combine(_dir, name);
        var example = RepoRoot.CounterExample;
        CopyTree(example, project, skip: ["_build", "deps", "versions"]);
        if (overlay is not null)
        {
            CopyTree(Path.Combine(example, "versions", overlay), project, skip: []);
            var mix = Path.Combine(project, "mix.exs");
            File.WriteAllText(mix, File.ReadAllText(mix).Replace("version: \"0.1.0\"", "version: \"0.2.0\"", StringComparison.Ordinal));
        }

        var (result, output) = await ProcessRunner.CaptureAsync(
            new ProcessSpec("mix", ["release", "--quiet"])
            {
                WorkingDirectory = project,
                Environment = new Dictionary<string, string?> { ["MIX_ENV"] = "prod" },
                Timeout = TimeSpan.FromMinutes(5),
            }, CancellationToken.None);
        Assert.True(result.Succeeded, $"mix release of {name} failed: {output}");
        return Path.Combine(project, "_build", "prod", "rel", "counter");
    }

    internal static void CopyTree(string source, string target, string[] skip)
    {
        Directory.CreateDirectory(target);
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            var to = Path.Combine(target, entry.Name);
            if (skip.Contains(entry.Name))
            {
                continue;
            }

            if (entry is DirectoryInfo dir)
            {
                CopyTree(dir.FullName, to, []);
            }
            else
            {
                File.Copy(entry.FullName, to, overwrite: true);
                File.SetUnixFileMode(to, File.GetUnixFileMode(entry.FullName));
            }
        }
    }
}

/// <summary>The counter releases are built once for every test class that runs them (each build takes a minute on 2 cores).</summary>
[CollectionDefinition(Name)]
public sealed class CounterReleasesCollection : ICollectionFixture<CounterReleases>
{
    public const string Name = "counter releases";
}
