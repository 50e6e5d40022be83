using System.Text.RegularExpressions;

namespace Akd.IntegrationTests;

/// <summary>
/// FaultMatrix.md is the one table of faults, expected outcomes and the tests that show them. A table that names
/// a test renamed or deleted since would promise coverage that is gone: every test it names must exist.
/// </summary>
public sealed partial class FaultMatrixTests
{
    private static readonly string TestsRoot = Path.Combine(RepoRoot.Path, "tests");

    [Fact]
    public void FaultMatrix_EveryRow_NamesTestsThatExistOrSaysItHasNone()
    {
        // Arrange
        var rows = File.ReadAllLines(Path.Combine(TestsRoot, "Akd.IntegrationTests", "FaultMatrix.md"))
            .Where(line => line.StartsWith("| ", StringComparison.Ordinal) && !line.StartsWith("| fault ", StringComparison.Ordinal) && !line.StartsWith("| ---", StringComparison.Ordinal))
            .ToList();
        var sources = TestSources();

        // Act: the last column of each row, and what of it cannot be found.
        var missing = new List<string>();
        foreach (var row in rows)
        {
            var cells = row.Trim('|').Split(" | ");
            var names = TestName().Matches(cells[^1]).Select(m => (Class: m.Groups["class"].Value, Method: m.Groups["method"].Value)).ToList();
            if (names.Count == 0 && !cells[^1].TrimStart().StartsWith('—'))
            {
                missing.Add($"names no test and does not say \"—\": {cells[0]}");
            }

            missing.AddRange(names.Where(n => !Exists(sources, n.Class, n.Method)).Select(n => $"{n.Class}.{n.Method} (row: {cells[0].Trim()})"));
        }

        // Assert
        Assert.True(rows.Count > 40, $"only {rows.Count} rows read from FaultMatrix.md");
        Assert.True(missing.Count == 0, "FaultMatrix.md names tests that do not exist:\n" + string.Join('\n', missing));
    }

    /// <summary>Each test class's source text (all files of a partial class together), by class name.</summary>
    private static Dictionary<string, string> TestSources()
    {
        var byClass = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(TestsRoot, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) &&
                        !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            foreach (var name in ClassDeclaration().Matches(text).Select(m => m.Groups["class"].Value))
            {
                byClass[name] = byClass.GetValueOrDefault(name, "") + text;
            }
        }

        return byClass;
    }

    private static bool Exists(Dictionary<string, string> sources, string className, string method) =>
        sources.TryGetValue(className, out var text) &&
        (method.Length == 0 || method == "*" || Regex.IsMatch(text, $@"public (async Task|void) {Regex.Escape(method)}\("));

    /// <summary>`ClassTests.Method`, `ClassTests.*` or `ClassTests` in backquotes.</summary>
    [GeneratedRegex(@"`(?<class>[A-Z][A-Za-z0-9]*Tests)(\.(?<method>[A-Za-z0-9_]+|\*))?`")]
    private static partial Regex TestName();

    [GeneratedRegex(@"\bclass (?<class>[A-Z][A-Za-z0-9]*Tests)\b")]
    private static partial Regex ClassDeclaration();
}
