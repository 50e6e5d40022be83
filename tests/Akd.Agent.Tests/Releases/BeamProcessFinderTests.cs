using Akd.Agent.Releases;

namespace Akd.Agent.Tests.Releases;

public sealed class BeamProcessFinderTests
{
    [Fact(Timeout = 60_000)]
    public async Task Find_RunningVmOfThatRootAndNode_ReturnsItsPidAndNothingForOtherNamesOrRoots()
    {
        // Arrange: a real VM; its -root is OTP's own directory, reached here through a symlink, as a
        // release directory is reached through `current` while the script records its physical path.
        var node = $"akdfind{Guid.NewGuid():N}"[..20];
        var link = Path.Combine(Path.GetTempPath(), $"akd-root-{Guid.NewGuid():N}");
        File.CreateSymbolicLink(link, "/usr/lib/erlang");
        using var vm = ChildProcess.Start("erl", "-noshell", "-sname", node, "-eval", "timer:sleep(infinity).");
        try
        {
            // Act: the VM shows up once erl has exec'd beam.smp; the test's timeout bounds the wait.
            int? found;
            while ((found = BeamProcessFinder.Find(link, node)) is null)
            {
                await Task.Delay(50);
            }

            var otherNode = BeamProcessFinder.Find(link, node + "x");
            var otherRoot = BeamProcessFinder.Find(Path.GetTempPath(), node);

            // Assert
            Assert.Equal("beam.smp", File.ReadAllText($"/proc/{found}/comm").Trim());
            Assert.True(PortOwner.IsSelfOrDescendant(found.Value, Environment.ProcessId), "the VM is this test's descendant");
            Assert.Null(otherNode);
            Assert.Null(otherRoot);
        }
        finally
        {
            File.Delete(link);
        }
    }
}
