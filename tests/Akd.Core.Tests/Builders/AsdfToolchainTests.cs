using Akd.Core.Builders;
using Akd.Core.Manifest;
using Akd.Manifest;
using Akd.Core.Tests.Archives;

namespace Akd.Core.Tests.Builders;

/// <summary>This process's PATH is changed while one of these runs: nothing else may start processes meanwhile.</summary>
[CollectionDefinition(nameof(ProcessPathCollection), DisableParallelization = true)]
public sealed class ProcessPathCollection;

/// <summary>
/// <c>build.toolchain: asdf</c> with a fake asdf (asdf cannot be installed here): a shell script first on this
/// process's PATH, as the agent finds asdf on its own PATH, recording what it was asked.
/// </summary>
[Collection(nameof(ProcessPathCollection))]
public sealed class AsdfToolchainTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string? _path = Environment.GetEnvironmentVariable("PATH");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("PATH", _path);
        _temp.Dispose();
    }

    [Fact(Timeout = 30_000)]
    public async Task PrepareToolchainAsync_PluginListHangs_CutAtQueryTimeoutThenEveryPluginAddedAndInstalled()
    {
        // Arrange: `asdf plugin list` hangs (a wedged asdf); the default QueryTimeout, a minute, would outlast the test.
        var calls = _temp.Combine("calls.log");
        _temp.WriteFile("bin/asdf", $"""
            #!/bin/sh
            if [ "$1 $2" = "plugin list" ]; then echo "plugin list" >> '{calls}'; sleep 60; exit 0; fi
            echo "$*" >> '{calls}'
            """, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Environment.SetEnvironmentVariable("PATH", $"{_temp.Combine("bin")}:{_path}");
        _temp.WriteFile("app/.tool-versions", "erlang 25.3\nelixir 1.14.0-otp-25\n");
        var manifest = ManifestLoader.Parse("app: app\nbuild: { toolchain: asdf }\n", _temp.Combine("app", "akd.yaml"));
        var context = new BuildContext(_temp.Combine("app"), manifest, _temp.Combine("out")) { QueryTimeout = TimeSpan.FromSeconds(2) };

        // Act
        await BuildCommand.PrepareToolchainAsync(context, _ => { }, CancellationToken.None);

        // Assert: the list was cut (so nothing counts as installed), then both plugins were added and asdf install ran.
        Assert.Equal(["plugin list", "plugin add erlang", "plugin add elixir", "install"], File.ReadAllLines(calls));
    }

    [Fact(Timeout = 30_000)]
    public async Task PrepareToolchainAsync_PluginsUnderTheBuildEnvsAsdfDataDir_OnlyTheMissingOneAdded()
    {
        // Arrange: like real asdf, the fake lists the plugins under $ASDF_DATA_DIR/plugins; the build's env (not this
        // process's) points it at a data dir that already has erlang.
        var calls = _temp.Combine("calls.log");
        _temp.WriteFile("bin/asdf", $"""
            #!/bin/sh
            if [ "$1 $2" = "plugin list" ]; then ls "$ASDF_DATA_DIR/plugins" 2>/dev/null; exit 0; fi
            echo "$*" >> '{calls}'
            """, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Environment.SetEnvironmentVariable("PATH", $"{_temp.Combine("bin")}:{_path}");
        Directory.CreateDirectory(_temp.Combine("asdf-data", "plugins", "erlang"));
        _temp.WriteFile("app/.tool-versions", "erlang 25.3\nelixir 1.14.0-otp-25\n");
        var manifest = ManifestLoader.Parse("app: app\nbuild: { toolchain: asdf }\n", _temp.Combine("app", "akd.yaml"));
        var env = new Dictionary<string, string?> { ["ASDF_DATA_DIR"] = _temp.Combine("asdf-data") };
        var context = new BuildContext(_temp.Combine("app"), manifest, _temp.Combine("out")) { Env = env };

        // Act
        await BuildCommand.PrepareToolchainAsync(context, _ => { }, CancellationToken.None);

        // Assert: erlang was found where the build's asdf keeps it; only elixir was added before asdf install.
        Assert.Equal(["plugin add elixir", "install"], File.ReadAllLines(calls));
    }
}
