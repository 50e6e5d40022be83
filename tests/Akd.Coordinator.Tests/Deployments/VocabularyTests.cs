using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;

namespace Akd.Coordinator.Tests.Deployments;

public sealed class VocabularyTests
{
    [Fact]
    public void Text_EveryValue_TheWordsStoredHistoryAndAkdctlUse()
    {
        // Arrange: the words the store's text columns and akdctl's JSON have always held.
        string[] states = ["pending", "building", "delivering", "running", "cancelling", "succeeded", "failed", "cancelled", "interrupted"];
        string[] stepStates = ["pending", "running", "succeeded", "failed", "rolled-back", "skipped"];
        string[] kinds = ["deploy", "rollback", "start", "stop", "restart"];
        string[] steps = ["build", "activate", "rollback", "start", "stop", "restart"];
        string[] phases = ["source", "build", "upload", "download", "unpack", "stop", "switch", "start", "health", "rollback", "recover", "restart", "hot-upgrade", "previous"];

        // Act
        string[][] texts = [Texts<DeploymentState>(), Texts<StepState>(), Texts<DeploymentKind>(), Texts<StepKind>(), Texts<Phase>()];

        // Assert
        Assert.Equal([states, stepStates, kinds, steps, phases], texts);
        Assert.Equal((DeploymentState.Cancelled.Text(), StepState.RolledBack.Text(), DeploymentKind.Restart.Text()), ("cancelled", "rolled-back", "restart"));
    }

    [Fact]
    public void Parse_TextOfEachValue_GivesTheValueBackAndUnknownTextIsUnspecified()
    {
        // Act
        var back = Enum.GetValues<StepState>().Where(s => s != StepState.Unspecified).Select(s => Vocabulary.Parse<StepState>(s.Text())).ToArray();
        var unknown = (Vocabulary.Parse<StepState>("rolled_back"), Vocabulary.Parse<StepState>(""), Vocabulary.Parse<StepState>(null));

        // Assert
        Assert.Equal(Enum.GetValues<StepState>().Where(s => s != StepState.Unspecified), back);
        Assert.Equal((StepState.Unspecified, StepState.Unspecified, StepState.Unspecified), unknown);
        Assert.Equal("", StepState.Unspecified.Text());
    }

    private static string[] Texts<T>() where T : struct, Enum =>
        [.. Enum.GetValues<T>().Where(v => !v.Equals(default(T))).Select(v => v.Text())];
}
