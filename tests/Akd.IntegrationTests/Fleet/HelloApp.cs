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

    /// <summary>
    /// Appends <paramref name="child"/> (an Elixir child spec, which may use <c>port</c>) to the children of
    /// <c>Hello.Application</c>'s supervisor: started last, so it is stopped first when the VM shuts down.
    /// A fixture adds its process this way rather than carrying a copy of the example's application.ex.
    /// </summary>
    public void AddLastChild(string child)
    {
        var path = Path.Combine(Dir, "lib", "hello", "application.ex");
        var text = File.ReadAllText(path);
        var list = text.IndexOf("children = [", StringComparison.Ordinal);
        var end = list < 0 ? -1 : text.IndexOf("\n    ]", list, StringComparison.Ordinal);
        if (end < 0)
        {
            throw new InvalidOperationException($"{path} has no `children = [ ... ]` list to add {child} to");
        }

        File.WriteAllText(path, text[..end] + ",\n      " + child + text[end..]);
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
