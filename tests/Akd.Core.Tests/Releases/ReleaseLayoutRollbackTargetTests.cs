using System.Runtime.Versioning;
using Akd.Core.Releases;
using Akd.Core.Tests.Archives;

namespace Akd.Core.Tests.Releases;

[SupportedOSPlatform("linux")]
public sealed class ReleaseLayoutRollbackTargetTests : IDisposable
{
    private const string A = "0.1.0-20261101T000000Z";
    private const string B = "0.2.0-20261102T000000Z";
    private const string C = "0.3.0-20261103T000000Z";
    private const string D = "0.4.0-20261104T000000Z";
    private readonly TempDirectory _temp = new();
    private readonly ReleaseLayout _layout;
    private DateTimeOffset _clock = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public ReleaseLayoutRollbackTargetTests()
    {
        _layout = new ReleaseLayout(_temp.Combine("app"));
        _layout.EnsureCreated();
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void RollbackTargetId_NothingDeployed_IsNull()
    {
        Assert.Null(_layout.RollbackTargetId());
    }

    [Fact]
    public void RollbackTargetId_TwoDeploys_IsTheFirst()
    {
        Deploy(A, "deployed");
        Deploy(B, "deployed");

        Assert.Equal(A, _layout.RollbackTargetId());
    }

    [Fact]
    public void RollbackTargetId_OnlyOneReleaseEverLive_IsNull()
    {
        Deploy(A, "deployed");

        Assert.Null(_layout.RollbackTargetId());
    }

    [Fact]
    public void RollbackTargetId_NewerReleaseFailedAndWasRolledBack_IsNeverTheFailedOne()
    {
        // A live, B failed its health check and the host went back to A.
        Deploy(A, "deployed");
        Deploy(B, "failed");
        Deploy(A, "rolled-back");

        Assert.Null(_layout.RollbackTargetId());
    }

    [Fact]
    public void RollbackTargetId_AfterRevertedReleases_IsWhatWasLiveBeforeCurrent()
    {
        // A live; C went live then was reverted (cancel, rollback: all); D is deployed on top of A.
        Deploy(A, "deployed");
        Deploy(C, "deployed");
        Deploy(A, "rolled-back");
        Deploy(D, "deployed");

        Assert.Equal(A, _layout.RollbackTargetId());
    }

    [Fact]
    public void RollbackTargetId_LiveReleaseWasPruned_SkipsIt()
    {
        Deploy(A, "deployed");
        Deploy(B, "deployed");
        Deploy(C, "deployed");
        Directory.Delete(_layout.ReleaseDir(B));

        Assert.Equal(A, _layout.RollbackTargetId());
    }

    [Fact]
    public void RollbackTargetId_NoRevisionsLog_IsTheReleaseBeforeCurrent()
    {
        // A capistrano layout: releases and current, no revisions.log of ours.
        Directory.CreateDirectory(_layout.ReleaseDir(A));
        Directory.CreateDirectory(_layout.ReleaseDir(B));
        Directory.CreateDirectory(_layout.ReleaseDir(C));
        _layout.SwitchCurrent(C);

        Assert.Equal(B, _layout.RollbackTargetId());
    }

    [Fact]
    public void Prune_KeepOneProtectingTheRollbackTarget_KeepsCurrentAndWhereARollbackGoes()
    {
        // As the agent prunes after a deploy: A live, C went live and was reverted, then D.
        Deploy(A, "deployed");
        Deploy(B, "failed");
        Deploy(C, "deployed");
        Deploy(A, "rolled-back");
        Deploy(D, "deployed");

        var removed = _layout.Prune(1, [_layout.RollbackTargetId()!]);

        Assert.Equal([B, C], removed);
        Assert.Equal([A, D], _layout.ListReleases());
    }

    [Fact]
    public void Prune_EightReleasesAfterFailedDeploysWithKeepFive_KeepsTheRollbackTargetAndCurrent()
    {
        // Arrange: A then B went live; six more releases failed their health check, each put back on B.
        // After each, the agent prunes to deploy.keep_releases (5) protecting current, previous and the rollback target.
        string[] failed = ["0.5.0-20261105T000000Z", "0.6.0-20261106T000000Z", "0.7.0-20261107T000000Z", "0.8.0-20261108T000000Z", "0.9.0-20261109T000000Z", "1.0.0-20261110T000000Z"];
        Deploy(A, "deployed");
        Deploy(B, "deployed");
        var removed = new List<string>();

        // Act
        foreach (var release in failed)
        {
            Deploy(release, "failed");
            Deploy(B, "rolled-back");
            removed.AddRange(_layout.Prune(5, new[] { _layout.CurrentReleaseId(), A, _layout.RollbackTargetId() }.OfType<string>()));
        }

        // Assert: the five newest stay, and so do A, where a rollback goes, and B, current; only the oldest failed one went.
        Assert.Equal(A, _layout.RollbackTargetId());
        Assert.Equal(B, _layout.CurrentReleaseId());
        Assert.Equal([failed[0]], removed);
        Assert.Equal([A, B, .. failed[1..]], _layout.ListReleases());
        Assert.True(Directory.Exists(_layout.ReleaseDir(A)));
    }

    private void Deploy(string release, string result)
    {
        Directory.CreateDirectory(_layout.ReleaseDir(release));
        if (result != "failed")
        {
            _layout.SwitchCurrent(release);
        }

        _clock = _clock.AddMinutes(1);
        _layout.AppendRevision(new RevisionEntry(_clock, release, "d-test", result));
    }
}
