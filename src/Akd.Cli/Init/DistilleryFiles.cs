using System.Security.Cryptography;

namespace Akd.Cli.Init;

/// <summary>
/// What a distillery 2.x project needs beside mix.exs, which <c>akdctl init</c> writes when missing and
/// never overwrites: <c>rel/config.exs</c> (distillery refuses to build without it), <c>rel/vm.args</c>
/// naming the node <c>${RELEASE_NODE}@127.0.0.1</c> (the agent sets <c>RELEASE_NODE</c>, a name of its own
/// per host, and <c>REPLACE_OS_VARS=true</c>, so several nodes of the app can share a machine), and
/// <c>config/config.exs</c> (distillery builds <c>sys.config</c> from it).
/// </summary>
internal static class DistilleryFiles
{
    private const string VmArgs = """
        ## Rendered (EEx) into the release by distillery at build time. When the node starts, distillery's
        ## script replaces ${RELEASE_NODE} from the environment only if REPLACE_OS_VARS=true: the Akd agent
        ## sets both, with a node name of its own per host, so several nodes of the app can share a machine.
        -name ${RELEASE_NODE}@127.0.0.1
        -setcookie <%= release.profile.cookie %>

        """;

    /// <summary>Writes each file that does not exist yet; returns the project-relative paths written.</summary>
    public static async Task<IReadOnlyList<string>> WriteMissingAsync(string projectDir, string app, string mixEnv, CancellationToken ct)
    {
        var written = new List<string>();
        foreach (var (path, content) in Files(app, mixEnv))
        {
            if (await WriteIfMissingAsync(Path.Combine(projectDir, path), content, ct).ConfigureAwait(false))
            {
                written.Add(path);
            }
        }

        return written;
    }

    private static IEnumerable<(string Path, string Content)> Files(string app, string mixEnv)
    {
        yield return ("rel/config.exs", ReleaseConfig(app, mixEnv));
        yield return ("rel/vm.args", VmArgs);
        yield return ("config/config.exs", "# Distillery builds the release's sys.config from this file.\nimport Config\n");
    }

    /// <summary>CreateNew: a file that appears meanwhile is left alone, never replaced.</summary>
    private static async Task<bool> WriteIfMissingAsync(string path, string content, CancellationToken ct)
    {
        if (File.Exists(path))
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true);
            await using var writer = new StreamWriter(file);
            await writer.WriteAsync(content.AsMemory(), ct).ConfigureAwait(false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }

    /// <summary>What <c>mix distillery.init</c> writes, cut to one environment; the cookie is random, as distillery's is.</summary>
    private static string ReleaseConfig(string app, string mixEnv) => $$"""
        # Distillery's release configuration, written by `akdctl init` (`mix distillery.init` writes a longer one).
        # Akd builds with `MIX_ENV={{mixEnv}} mix distillery.release --env={{mixEnv}}`.
        # Every option: https://hexdocs.pm/distillery/config/distillery.html
        use Distillery.Releases.Config,
          default_release: :default,
          default_environment: Mix.env()

        environment :{{mixEnv}} do
          set include_erts: true
          set include_src: false
          set cookie: :"{{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))}}"
          set vm_args: "rel/vm.args"
        end

        release :{{app}} do
          set version: current_version(:{{app}})
          set applications: [:runtime_tools]
        end

        """;
}
