using Akd.Core.Builders;
using Akd.Core.Tests.Archives;
using Akd.Core.Manifest;
using Akd.Core.Upgrades;
using Akd.Manifest;

namespace Akd.Core.Tests.Builders;

/// <summary>
/// Placing the release the targets run into distillery's output, so <c>mix distillery.release --upgrade</c> finds it.
/// </summary>
public sealed class DistilleryUpgradeBaseTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Prepare_PreviousReleaseLibIsALink_RefusedAndNothingReadThroughIt()
    {
        // Arrange: the running 0.1.0 release, whose lib/secret is a link to a directory outside it.
        _temp.WriteFile("app/mix.exs", "defmodule App.MixProject do\n  def project, do: [app: :app, version: \"0.2.0\"]\nend\n");
        _temp.WriteFile("running/releases/0.1.0/app.rel", "{release,{\"app\",\"0.1.0\"},{erts,\"14.0\"},[{kernel,\"9.0\"},{sasl,\"4.2\"}]}.\n");
        _temp.WriteFile("running/lib/app-0.1.0/ebin/app.app", "{application,app,[]}.\n");
        _temp.WriteFile("outside/private.key", "not for the build");
        Directory.CreateSymbolicLink(_temp.Combine("running", "lib", "secret-1.0"), _temp.Combine("outside"));
        var manifest = ManifestLoader.Parse("app: app\n", _temp.Combine("app", "akd.yaml"));
        var context = new BuildContext(_temp.Combine("app"), manifest, _temp.Combine("out"))
        {
            Upgrade = UpgradeMode.Hot,
            UpgradeFrom = new PreviousReleaseDir(_temp.Combine("running"), "0.1.0"),
        };

        // Act
        var ex = Assert.Throws<BuildFailedException>(() =>
            DistilleryUpgradeBase.Prepare(context, _temp.Combine("rel"), _ => { }, CancellationToken.None));

        // Assert
        Assert.Contains("lib/secret-1.0 as a symbolic link", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.Combine("rel", "lib", "secret-1.0", "private.key")));
    }
}
