using Akd.Core.Processes;

namespace Akd.Agent.Tests.Builds;

/// <summary>A real git repository in a scratch directory, for a build workspace to fetch from.</summary>
internal sealed class GitRepo : IDisposable
{
    private GitRepo(string dir) => Dir = dir;

    public string Dir { get; }

    public string Url => $"file://{Dir}";

    public static async Task<GitRepo> CreateAsync()
    {
        var repo = new GitRepo(Directory.CreateTempSubdirectory("akd-git-").FullName);
        await repo.GitAsync("init", "--quiet", "--initial-branch=main");
        return repo;
    }

    /// <summary>Writes the files (a null content deletes one), commits them all, returns the commit.</summary>
    public async Task<string> CommitAsync(string message, params (string Path, string? Content)[] files)
    {
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(Dir, path);
            if (content is null)
            {
                File.Delete(full);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                await File.WriteAllTextAsync(full, content);
            }
        }

        await GitAsync("add", "-A");
        await GitAsync("-c", "user.name=akd-test", "-c", "user.email=akd-test@localhost", "commit", "--quiet", "-m", message);
        return (await GitAsync("rev-parse", "HEAD")).Trim();
    }

    public async Task<string> GitAsync(params string[] args)
    {
        var (result, stdout) = await ProcessRunner.CaptureAsync(new ProcessSpec("git", args) { WorkingDirectory = Dir, Timeout = TimeSpan.FromMinutes(1) }, CancellationToken.None);
        Assert.True(result.Succeeded, $"git {string.Join(' ', args)} failed with {result.ExitCode}");
        return stdout;
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
