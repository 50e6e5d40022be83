namespace Akd.IntegrationTests.Fleet;

/// <summary>Breaks the copied hello app's <c>/health</c> for one version, as a bad release would.</summary>
internal static class HelloAppHealth
{
    private const string Healthy = "\"/health\" -> {200, \"ok\"}";

    /// <summary><c>/health</c> answers 500 on the given ports, or everywhere when none are given.</summary>
    public static void BreakHealth(this HelloApp app, params int[] onPorts)
    {
        var path = HandlerPath(app.Dir);
        var text = File.ReadAllText(path);
        Assert.Contains(Healthy, text);
        var broken = onPorts.Length == 0
            ? "\"/health\" -> {500, \"unhealthy\"}"
            : $"\"/health\" -> if System.get_env(\"PORT\") in [{string.Join(", ", onPorts.Select(p => $"\"{p}\""))}], do: {{500, \"unhealthy\"}}, else: {{200, \"ok\"}}";
        File.WriteAllText(path, text.Replace(Healthy, broken));
    }

    public static void RestoreHealth(this HelloApp app) =>
        File.Copy(HandlerPath(RepoRoot.HelloExample), HandlerPath(app.Dir), overwrite: true);

    private static string HandlerPath(string dir) => Path.Combine(dir, "lib", "hello", "handler.ex");
}
