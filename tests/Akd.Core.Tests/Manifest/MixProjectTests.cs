using Akd.Core.Manifest;

namespace Akd.Core.Tests.Manifest;

public sealed class MixProjectTests
{
    internal static string MixExs(string app, string version, string deps = "", string attributes = "") => $$"""
        defmodule {{app}}.MixProject do
          use Mix.Project
        {{attributes}}
          def project do
            [
              app: :{{app}},
              {{version}},
              elixir: "~> 1.15",
              start_permanent: Mix.env() == :prod,
              deps: deps()
            ]
          end

          def application do
            [extra_applications: [:logger]]
          end

          defp deps do
            [
        {{deps}}
            ]
          end
        end
        """;

    [Fact]
    public void TryRead_NoMixExs_ReturnsNull()
    {
        // Arrange
        using var dir = new TempDirectory();

        // Act + Assert
        Assert.Null(MixProject.TryRead(dir.Path));
    }

    [Fact]
    public void TryRead_MissingDirectory_ReturnsNull()
    {
        Assert.Null(MixProject.TryRead(Path.Combine(Path.GetTempPath(), $"akd-missing-{Guid.NewGuid():N}")));
    }

    [Fact]
    public void TryRead_PlainProject_ReadsAppAndLiteralVersion()
    {
        // Arrange
        using var dir = new TempDirectory();
        dir.Write("mix.exs", MixExs("pinger", "version: \"0.3.1\"", deps: "      {:jason, \"~> 1.4\"}"));

        // Act
        var info = MixProject.TryRead(dir.Path);

        // Assert
        Assert.Equal(new MixProjectInfo("pinger", "0.3.1", IsPhoenix: false, HasToolVersions: false), info);
    }

    [Fact]
    public void TryRead_VersionAttribute_ResolvesTheAttribute()
    {
        // Arrange
        using var dir = new TempDirectory();
        dir.Write("mix.exs", MixExs("shop", "version: @version", attributes: "  @source_url \"https://example.org\"\n  @version \"2.0.0-rc.1\""));

        // Act
        var info = MixProject.TryRead(dir.Path);

        // Assert
        Assert.Equal("shop", info?.App);
        Assert.Equal("2.0.0-rc.1", info?.Version);
    }

    [Fact]
    public void TryRead_ComputedVersion_HasNullVersion()
    {
        // Arrange
        using var dir = new TempDirectory();
        dir.Write("mix.exs", MixExs("shop", "version: File.read!(\"VERSION\")"));

        // Act
        var info = MixProject.TryRead(dir.Path);

        // Assert
        Assert.Equal("shop", info?.App);
        Assert.Null(info?.Version);
    }

    [Fact]
    public void TryRead_PhoenixDependencyAndToolVersions_SetsBothFlags()
    {
        // Arrange
        using var dir = new TempDirectory();
        dir.Write("mix.exs", MixExs("web", "version: \"1.0.0\"", deps: "      {:phoenix, \"~> 1.7\"},\n      {:phoenix_html, \"~> 4.0\"}"));
        dir.Write(".tool-versions", "erlang 27.1\nelixir 1.17.3-otp-27\n");

        // Act
        var info = MixProject.TryRead(dir.Path);

        // Assert
        Assert.Equal(new MixProjectInfo("web", "1.0.0", IsPhoenix: true, HasToolVersions: true), info);
    }

    [Fact]
    public void TryRead_OnlyPhoenixSiblingsOrCommentedPhoenix_IsNotPhoenix()
    {
        // Arrange
        using var dir = new TempDirectory();
        dir.Write("mix.exs", MixExs("lib_only", "version: \"1.0.0\"", deps: "      # {:phoenix, \"~> 1.7\"},\n      {:phoenix_pubsub, \"~> 2.1\"}"));

        // Act
        var info = MixProject.TryRead(dir.Path);

        // Assert
        Assert.False(info?.IsPhoenix);
    }

    [Fact]
    public void TryRead_NoAppInProject_ReturnsNull()
    {
        // Arrange
        using var dir = new TempDirectory();
        dir.Write("mix.exs", "defmodule Umbrella.MixProject do\n  use Mix.Project\n  def project, do: [apps_path: \"apps\"]\nend\n");

        // Act + Assert
        Assert.Null(MixProject.TryRead(dir.Path));
    }
}
