using Akd.Core.Manifest;
using Akd.Manifest;
using Akd.Manifest.Schema;
using Json.Schema;

namespace Akd.Core.Tests.Manifest.Schema;

/// <summary>The generated schema is a valid draft 2020-12 schema, and it agrees with the loader on good and bad manifests.</summary>
public sealed class ManifestJsonSchemaTests
{
    /// <summary>Uses every key the model knows, each with a value both the loader and the schema accept.</summary>
    private const string EveryKey = """
        app: pinger
        strategy: remote-build
        source:
          git: https://example.org/pinger.git
          ref: main
        build:
          on: { role: build }
          tool: mix-release
          mix_env: prod
          toolchain: asdf
          include_erts: true
        deploy:
          to: { role: web, tier: 1 }
          path: apps/pinger
          keep_releases: 5
          rolling: { batch: "25%", max_failures: 1, pause: 2s, rollback: all }
          env: { PORT: 4000, MODE: "prod", EMPTY: ~ }
          run: release
          start_overlap: shared_port
          step_timeout: 2m
        health:
          http: "http://127.0.0.1:${PORT}/"
          expect: pinger
          timeout: 30
          interval: 500ms
          retries: 0
        hooks:
          - name: migrate
            at: after-activate
            run: ["bin/pinger", "eval", "Pinger.Release.migrate()"]
            ensure: []
            rollback: [["bin/pinger", "eval", "Pinger.Release.rollback()"], ["true"]]
            ignore_failure: false
        environments:
          staging: { deploy: { to: { role: web, env: staging }, env: { MODE: ~ } } }
          production: { deploy: { rolling: { batch: all } }, health: { tcp: "127.0.0.1:${PORT}", http: ~, expect: ~ } }
          empty:
        """;

    [Fact(Timeout = 30_000)]
    public async Task Text_IsADraft202012SchemaThatEvaluatesAgainstTheMetaSchema()
    {
        await Task.Yield();

        // Arrange
        using var schema = System.Text.Json.JsonDocument.Parse(ManifestJsonSchema.Text);

        // Act
        var result = MetaSchemas.Draft202012.Evaluate(schema.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });

        // Assert
        Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
        Assert.Equal(ManifestJsonSchema.Dialect, schema.RootElement.GetProperty("$schema").GetString());
        Assert.Equal(
            ["app", "strategy", "source", "build", "deploy", "health", "hooks", "environments"],
            schema.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name));
    }

    public static TheoryData<string> RepositoryManifests()
    {
        var root = RepoRoot.Path;
        var data = new TheoryData<string>();
        foreach (var dir in new[] { "examples", "tests" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, dir), "akd*.yaml", SearchOption.AllDirectories)
                         .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
                         .Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetRelativePath(root, file));
            }
        }

        return data;
    }

    [Theory(Timeout = 30_000)]
    [MemberData(nameof(RepositoryManifests))]
    public async Task Schema_ExampleAndTestManifestsOfTheRepository_AreValid(string relativePath)
    {
        // Arrange
        var yaml = await File.ReadAllTextAsync(Path.Combine(RepoRoot.Path, relativePath));

        // Act + Assert: the loader takes it (the app name defaults to the Mix app's), and so does the schema.
        ManifestLoader.Parse(yaml, relativePath, defaultApp: "hello");
        SchemaAssert.Valid(yaml, relativePath);
    }

    [Fact(Timeout = 30_000)]
    public async Task Schema_ManifestWithEveryKey_IsValidLikeForTheLoader()
    {
        await Task.Yield();

        // Act
        var manifest = ManifestLoader.Parse(EveryKey, "akd.yaml", environment: "production");

        // Assert
        Assert.Equal("pinger", manifest.App);
        SchemaAssert.Valid(EveryKey, "the manifest with every key");
    }

    [Theory(Timeout = 30_000)]
    [InlineData("app: x\nsource:\nbuild:\ndeploy:\nhealth:\nhooks:\nenvironments:\n")]
    [InlineData("app: x\ndeploy: { rolling: { batch: 3 } }")]
    [InlineData("app: x\ndeploy: { rolling: { batch: \"3\" } }")]
    [InlineData("app: x\ndeploy: { run: { command: [mix, phx.server] } }")]
    [InlineData("app: x\ndeploy: { run: [mix, run, --no-halt] }")]
    [InlineData("app: x\nhealth: { command: [bin/x, pid], timeout: 1h, interval: 1 }")]
    [InlineData("app: x\ndeploy: { rolling: { pause: 0 } }")]
    [InlineData("app: x\ndeploy: { start_overlap: true }")]
    [InlineData("app: x\ndeploy: { start_overlap: shared_port }")]
    [InlineData("app: x\nhooks: [ { name: a, at: before-build, run: [[make], [make, test]] } ]")]
    public async Task Schema_EdgeCasesTheLoaderAccepts_AreValid(string yaml)
    {
        await Task.Yield();

        // Act + Assert
        ManifestLoader.Parse(yaml, "akd.yaml");
        SchemaAssert.Valid(yaml, yaml);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("app: Pinger")]
    [InlineData("app: x\nstrategy: ftp")]
    [InlineData("app: x\nbogus: 1")]
    [InlineData("app: x\nbuild: { tool: rebar }")]
    [InlineData("app: x\nbuild: { on: {} }")]
    [InlineData("app: x\nbuild: { include_erts: maybe }")]
    [InlineData("app: x\nbuild: { mix_env: Prod }")]
    [InlineData("app: x\nbuild: { toolchain: nix }")]
    [InlineData("app: x\ndeploy: { keep_releases: 0 }")]
    [InlineData("app: x\ndeploy: { rolling: { batch: \"150%\" } }")]
    [InlineData("app: x\ndeploy: { rolling: { batch: 0 } }")]
    [InlineData("app: x\ndeploy: { rolling: { batch: some } }")]
    [InlineData("app: x\ndeploy: { rolling: { rollback: some } }")]
    [InlineData("app: x\ndeploy: { rolling: { max_failures: -1 } }")]
    [InlineData("app: x\ndeploy: { env: { 1BAD: x } }")]
    [InlineData("app: x\ndeploy: { env: [PORT] }")]
    [InlineData("app: x\ndeploy: { run: \"mix phx.server\" }")]
    [InlineData("app: x\ndeploy: { run: [] }")]
    [InlineData("app: x\ndeploy: { run: { cmd: [mix] } }")]
    [InlineData("app: x\ndeploy: { step_timeout: 0s }")]
    [InlineData("app: x\ndeploy: { start_overlap: reuse }")]
    [InlineData("app: x\ndeploy: { to: { role: \"web,db\" } }")]
    [InlineData("app: x\ndeploy: { to: web }")]
    [InlineData("app: x\nhealth: { http: \"127.0.0.1:4000\" }")]
    [InlineData("app: x\nhealth: { tcp: localhost }")]
    [InlineData("app: x\nhealth: { http: \"http://a/\", tcp: \"a:1\" }")]
    [InlineData("app: x\nhealth: { tcp: \"a:1\", expect: ok }")]
    [InlineData("app: x\nhealth: { timeout: soon }")]
    [InlineData("app: x\nhealth: { interval: 0ms }")]
    [InlineData("app: x\nhealth: { command: \"curl localhost\" }")]
    [InlineData("app: x\nsource: { path: ., git: \"https://e/x.git\" }")]
    [InlineData("app: x\nsource: { ref: main }")]
    [InlineData("app: x\nhooks: [ { name: m, at: before-build } ]")]
    [InlineData("app: x\nhooks: [ { name: m, at: whenever, run: [a] } ]")]
    [InlineData("app: x\nhooks: [ { name: m, at: after-start, run: [] } ]")]
    [InlineData("app: x\nhooks: [ { name: m, at: after-start, run: [a], when: always } ]")]
    [InlineData("app: x\nhooks: { name: m }")]
    [InlineData("app: x\nhooks: [ migrate ]")]
    [InlineData("app: x\nenvironments: { staging: { app: y } }")]
    [InlineData("app: x\nenvironments: { staging: { environments: {} } }")]
    [InlineData("app: x\nenvironments: { staging: { deploy: { tool: x } } }")]
    [InlineData("app: x\nenvironments: [staging]")]
    [InlineData("app: x\nenvironments: { staging: web }")]
    [InlineData("- app: x")]
    public async Task LoaderAndSchema_BadManifest_BothRefuseIt(string yaml)
    {
        await Task.Yield();

        // Act
        var loader = Record.Exception(() => ManifestLoader.Parse(yaml, "akd.yaml", defaultApp: "x"));
        var schema = SchemaAssert.Errors(yaml);

        // Assert
        Assert.IsType<ManifestException>(loader);
        Assert.NotEmpty(schema);
    }
}
