using Akd.Core.Tests.Archives;
using Akd.Core.Upgrades;
using Xunit.Abstractions;

namespace Akd.Core.Tests.Upgrades;

/// <summary>
/// The appup/relup generator on real releases: modules compiled by erlc, OTP's own applications, systools:make_relup.
/// </summary>
public sealed class RelupGeneratorTests(ITestOutputHelper output) : IDisposable
{
    private const string Store1 = """
        -module(shop_store).
        -behaviour(gen_server).
        -export([start_link/0, init/1, handle_call/3, handle_cast/2, code_change/3]).
        start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, 0, []).
        init(N) -> {ok, N}.
        handle_call(count, _From, N) -> {reply, N, N}.
        handle_cast(_Msg, N) -> {noreply, N}.
        code_change(_Old, N, _Extra) -> {ok, N}.
        """;

    private const string Store2 = """
        -module(shop_store).
        -behaviour(gen_server).
        -export([start_link/0, init/1, handle_call/3, handle_cast/2, code_change/3]).
        start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, 0, []).
        init(N) -> {ok, #{count => N}}.
        handle_call(count, _From, #{count := N} = S) -> {reply, N, S}.
        handle_cast(_Msg, S) -> {noreply, S}.
        code_change({down, _}, #{count := N}, _Extra) -> {ok, N};
        code_change(_Old, N, _Extra) -> {ok, #{count => N}}.
        """;

    private const string Sup1 = """
        -module(shop_sup).
        -behaviour(supervisor).
        -export([start_link/0, init/1]).
        start_link() -> supervisor:start_link({local, ?MODULE}, ?MODULE, []).
        init([]) -> {ok, {#{strategy => one_for_one}, [#{id => shop_store, start => {shop_store, start_link, []}}]}}.
        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task GenerateAsync_ChangedAddedAndRemovedModules_WritesAppupAndRelup()
    {
        // Arrange: shop_store (a gen_server with code_change/3) and shop_util change, shop_sup changes its
        // child specs, shop_old goes, shop_new comes, shop_same stays byte for byte.
        var old = await ErlangRelease.WriteAsync(_dir, "old", "1.0.0", new Dictionary<string, string>
        {
            ["shop_store"] = Store1,
            ["shop_sup"] = Sup1,
            ["shop_util"] = "-module(shop_util).\n-export([f/0]).\nf() -> 1.\n",
            ["shop_old"] = "-module(shop_old).\n-export([f/0]).\nf() -> old.\n",
            ["shop_same"] = "-module(shop_same).\n-export([f/0]).\nf() -> same.\n",
        });
        var next = await ErlangRelease.WriteAsync(_dir, "new", "1.1.0", new Dictionary<string, string>
        {
            ["shop_store"] = Store2,
            ["shop_sup"] = Sup1.Replace("one_for_one", "one_for_all", StringComparison.Ordinal),
            ["shop_util"] = "-module(shop_util).\n-export([f/0]).\nf() -> 2.\n",
            ["shop_new"] = "-module(shop_new).\n-export([f/0]).\nf() -> new.\n",
            ["shop_same"] = "-module(shop_same).\n-export([f/0]).\nf() -> same.\n",
        });

        // Act
        var plan = await GenerateAsync(old, next);

        // Assert
        Assert.True(plan.CanHotUpgrade, string.Join("; ", plan.Blockers));
        var appup = Assert.Single(plan.Appups);
        Assert.Equal(("shop", "1.0.0", "1.1.0", "generated"), (appup.App, appup.FromVsn, appup.ToVsn, appup.Source));
        Assert.Equal(
            ["{add_module,shop_new}", "{update,shop_store,{advanced,[]}}", "{update,shop_sup,supervisor}", "{load_module,shop_util}", "{delete_module,shop_old}"],
            appup.Instructions);
        var appupText = await File.ReadAllTextAsync(Path.Combine(next.Ebin, "shop.appup"));
        Assert.StartsWith("{\"1.1.0\",", appupText, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(next.ReleaseDir, "relup"), plan.RelupPath);
        var relup = await File.ReadAllTextAsync(plan.RelupPath!);
        Assert.Contains("{code_change,up,[{shop_store,[]}]}", relup, StringComparison.Ordinal);
        Assert.Contains("{code_change,down,[{shop_store,[]}]}", relup, StringComparison.Ordinal);
        Assert.DoesNotContain("shop_same", relup, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task GenerateAsync_ProjectAppup_IsUsedAsGiven()
    {
        // Arrange: the project's appup loads shop_util only, though the generator would also update shop_store.
        var old = await ErlangRelease.WriteAsync(_dir, "old", "1.0.0", new Dictionary<string, string> { ["shop_store"] = Store1, ["shop_util"] = "-module(shop_util).\n" });
        var next = await ErlangRelease.WriteAsync(_dir, "new", "1.1.0", new Dictionary<string, string> { ["shop_store"] = Store2, ["shop_util"] = "-module(shop_util).\n-export([f/0]).\nf() -> 2.\n" });
        const string Own = "{\"1.1.0\", [{\"1.0.0\", [{load_module, shop_util}]}], [{\"1.0.0\", [{load_module, shop_util}]}]}.\n";
        _dir.WriteFile("appups/shop/1.1.0.appup", Own);

        // Act
        var plan = await GenerateAsync(old, next, _dir.Combine("appups"));

        // Assert
        Assert.Equal("project", Assert.Single(plan.Appups).Source);
        Assert.Equal(Own, await File.ReadAllTextAsync(Path.Combine(next.Ebin, "shop.appup")));
        var relup = await File.ReadAllTextAsync(plan.RelupPath!);
        Assert.Contains("shop_util", relup, StringComparison.Ordinal);
        Assert.DoesNotContain("code_change", relup, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task GenerateAsync_ErtsChanged_ReportsWhyAndWritesNoRelup()
    {
        // Arrange
        var modules = new Dictionary<string, string> { ["shop_store"] = Store1 };
        var old = await ErlangRelease.WriteAsync(_dir, "old", "1.0.0", modules, erts: "12.0");
        var next = await ErlangRelease.WriteAsync(_dir, "new", "1.1.0", modules);

        // Act
        var plan = await GenerateAsync(old, next);

        // Assert
        Assert.False(plan.CanHotUpgrade);
        Assert.Equal([$"ERTS changed (12.0 -> {next.Otp.ErtsVsn}): the VM must restart"], plan.Blockers);
        Assert.False(File.Exists(Path.Combine(next.ReleaseDir, "relup")));
    }

    [Fact(Timeout = 120_000)]
    public async Task GenerateAsync_OtpApplicationAddedAndConfigChanged_ReportsBothReasons()
    {
        // Arrange
        var modules = new Dictionary<string, string> { ["shop_store"] = Store1 };
        var old = await ErlangRelease.WriteAsync(_dir, "old", "1.0.0", modules);
        var next = await ErlangRelease.WriteAsync(_dir, "new", "1.1.0", modules, extraApps: ["inets"]);
        await File.WriteAllTextAsync(Path.Combine(next.ReleaseDir, "sys.config"), "[{shop, [{limit, 2}]}].\n");

        // Act
        var plan = await GenerateAsync(old, next);

        // Assert
        Assert.Equal(
            [$"OTP application inets added ({next.Otp.AppVsns["inets"]}): the VM must restart", "sys.config changed: configuration is read at boot, the VM must restart"],
            plan.Blockers);
        Assert.Null(plan.RelupPath);
    }

    [Fact(Timeout = 60_000)]
    public async Task GenerateAsync_NoRelFile_ThrowsWithTheScriptsReason()
    {
        // Arrange
        var next = await ErlangRelease.WriteAsync(_dir, "new", "1.1.0", new Dictionary<string, string> { ["shop_store"] = Store1 });

        // Act
        var ex = await Assert.ThrowsAsync<RelupGenerationException>(() => GenerateAsync(next, next, oldVsn: "0.9.0"));

        // Assert
        Assert.Contains("cannot read", ex.Message, StringComparison.Ordinal);
        Assert.Contains("releases/0.9.0/shop.rel", ex.Message, StringComparison.Ordinal);
    }

    private Task<RelupPlan> GenerateAsync(ErlangRelease old, ErlangRelease next, string? appups = null, string? oldVsn = null) =>
        RelupGenerator.GenerateAsync(
            new RelupRequest { OldRoot = old.Root, OldVsn = oldVsn ?? old.Vsn, NewRoot = next.Root, NewVsn = next.Vsn, ReleaseName = "shop", AppupsDir = appups },
            line => output.WriteLine($"[{line.Stream}] {line.Text}"),
            CancellationToken.None);
}
