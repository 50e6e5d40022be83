namespace Akd.IntegrationTests.Fleet;

/// <summary>A private copy of examples/hello that a test may edit (bump the version, change the manifest).</summary>
internal sealed class HelloApp
{
    private HelloApp(string dir)
    {
        Dir = dir;
    }

    public string Dir { get; }

    public string Manifest => Path.Combine(Dir, "akd.yaml");

    public static HelloApp CopyTo(string parent) => CopyExample(RepoRoot.HelloExample, parent);

    /// <summary>A private copy of another example (e.g. examples/counter), edited the same ways.</summary>
    public static HelloApp CopyExample(string example, string parent)
    {
        var dir = Path.Combine(parent, Path.GetFileName(example) + "-src");
        MixProjectCopy.Copy(example, dir);
        return new HelloApp(dir);
    }

    public void SetVersion(string version)
    {
        var mixExs = Path.Combine(Dir, "mix.exs");
        var text = File.ReadAllText(mixExs);
        var start = text.IndexOf("version: \"", StringComparison.Ordinal) + "version: \"".Length;
        var end = text.IndexOf('"', start);
        File.WriteAllText(mixExs, text[..start] + version + text[end..]);
    }

    /// <summary>Copies a fixture's files over this copy (e.g. the fake distillery task and its manifest).</summary>
    public void Overlay(string fixtureDir) => MixProjectCopy.Copy(fixtureDir, Dir);

    public string WriteManifest(string name, string yaml)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }
}
