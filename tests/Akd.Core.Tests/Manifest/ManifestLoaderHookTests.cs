using Akd.Manifest;
namespace Akd.Core.Tests.Manifest;

public sealed class ManifestLoaderHookTests
{
    [Fact]
    public void Parse_HookWithoutNameAtAndRun_ReportsEachRequiredKey()
    {
        // Arrange
        const string yaml = """
            app: pinger
            hooks:
              - ignore_failure: true
            """;

        // Act
        var errors = ManifestAssert.Errors(yaml);

        // Assert
        Assert.Equal(3, errors.Count);
        ManifestAssert.AssertAt(errors[0], 3, 5, "hooks[0].name: required");
        ManifestAssert.AssertAt(errors[1], 3, 5, "hooks[0].at: required", "before-build, after-build, before-activate, after-activate, after-start");
        ManifestAssert.AssertAt(errors[2], 3, 5, "hooks[0].run: required");
    }

    [Fact]
    public void Parse_HookAtUnknownStage_ReportsStages()
    {
        ManifestAssert.SingleError(
            "app: pinger\nhooks:\n  - { name: migrate, at: after-deploy, run: [true] }\n",
            3,
            26,
            "hooks[0].at: expected one of before-build, after-build, before-activate, after-activate, after-start, got 'after-deploy'");
    }

    [Fact]
    public void Parse_DuplicateHookName_ReportsSecondNameAndFirstLine()
    {
        // Arrange
        const string yaml = """
            app: pinger
            hooks:
              - name: migrate
                at: after-activate
                run: [bin/pinger, eval, "Pinger.Release.migrate()"]
              - name: migrate
                at: after-start
                run: [echo, done]
            """;

        // Act + Assert
        ManifestAssert.SingleError(yaml, 6, 11, "hooks[1].name: duplicate hook name 'migrate'", "line 3");
    }

    [Fact]
    public void Parse_HookRunAsShellString_ReportsArgumentArray()
    {
        ManifestAssert.SingleError(
            "app: pinger\nhooks:\n  - { name: migrate, at: after-start, run: \"mix ecto.migrate\" }\n",
            3,
            44,
            "hooks[0].run: expected a command as a list of strings",
            "or a list of such commands");
    }

    [Fact]
    public void Parse_HookRunEmpty_ReportsAtLeastOneCommand()
    {
        ManifestAssert.SingleError("app: pinger\nhooks:\n  - { name: noop, at: after-start, run: [] }\n", 3, 41, "hooks[0].run: expected at least one command");
    }

    [Fact]
    public void Parse_HookCommandListWithBadEntry_ReportsTheEntry()
    {
        // Arrange
        const string yaml = """
            app: pinger
            hooks:
              - name: cleanup
                at: after-start
                run: [[rm, -rf, tmp/cache]]
                ensure: [[echo, ok], restart]
            """;

        // Act + Assert
        ManifestAssert.SingleError(yaml, 6, 26, "hooks[0].ensure[1]: expected a command as a list of strings", "'restart'");
    }

    [Fact]
    public void Parse_HookCommandWithEmptyProgram_ReportsProgramExpected()
    {
        ManifestAssert.SingleError("app: pinger\nhooks:\n  - { name: x, at: after-start, run: [\"\", a] }\n", 3, 39, "hooks[0].run[0]: expected the program to run");
    }

    [Fact]
    public void Parse_HookIgnoreFailureNotBoolean_ReportsTrueOrFalse()
    {
        ManifestAssert.SingleError(
            "app: pinger\nhooks:\n  - { name: x, at: after-start, run: [a], ignore_failure: maybe }\n",
            3,
            59,
            "hooks[0].ignore_failure: expected true or false, got 'maybe'");
    }

    [Fact]
    public void Parse_HookIsAScalar_ReportsHookMappingExpected()
    {
        ManifestAssert.SingleError("app: pinger\nhooks:\n  - migrate\n", 3, 5, "hooks[0]: expected a hook mapping", "'migrate'");
    }

    [Fact]
    public void Parse_HookUnknownKey_ReportsAllowedKeys()
    {
        ManifestAssert.SingleError(
            "app: pinger\nhooks:\n  - { name: x, at: after-start, run: [a], on_error: [b] }\n",
            3,
            43,
            "hooks[0]: unknown key 'on_error'; expected one of name, at, run, ensure, rollback, ignore_failure");
    }
}
