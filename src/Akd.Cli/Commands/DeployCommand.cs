using System.CommandLine;
using Akd.Cli.Output;
using Akd.Contracts.V1;
using Akd.Core.Manifest;
using Akd.Manifest;
using Grpc.Core;

namespace Akd.Cli.Commands;

/// <summary>
/// <c>akdctl deploy</c>: validate the manifest, ask the coordinator whether it would take the deploy, upload the source
/// (or build the release here), start the deployment and follow it.
/// </summary>
internal static class DeployCommand
{
    public static Command Build()
    {
        var file = new Option<string>("--file", "-f") { Description = "The manifest", DefaultValueFactory = _ => "akd.yaml" };
        var env = new Option<string?>("--env") { Description = "Environment overlay from the manifest's environments:" };
        var gitRef = new Option<string?>("--ref") { Description = "Git ref to build (with source.git)" };
        var detach = new Option<bool>("--detach") { Description = "Start the deployment, print its id and return" };
        var skipOffline = new Option<bool>("--skip-offline") { Description = "Deploy to the online targets even when some are offline (recorded)" };
        var localBuild = new Option<bool>("--local-build") { Description = "Build the release here (ERTS included) and upload it, as strategy: local-build does" };
        var wait = new Option<bool>("--wait") { Description = "When another deployment of the app holds its lock, wait for it to end instead of failing" };
        var command = new Command("deploy", "Build and roll out a release of the app") { file, env, gitRef, detach, skipOffline, localBuild, wait };
        command.SetAction(async (context, parse, ct) =>
        {
            var manifestPath = Path.GetFullPath(parse.GetValue(file)!);
            var environment = parse.GetValue(env);
            var manifest = ManifestLoader.LoadFile(manifestPath, environment);
            var view = ProgressViews.Create(context.Json);

            var request = new DeployRequest
            {
                ManifestYaml = await File.ReadAllTextAsync(manifestPath, ct).ConfigureAwait(false),
                ManifestPath = Path.GetFileName(manifestPath),
                Environment = environment ?? "",
                DefaultApp = manifest.App,
                SkipOffline = parse.GetValue(skipOffline),
                SourceVersion = SourceVersion(manifest, manifestPath),
            };
            var locally = BuildsLocally(manifest, parse.GetValue(localBuild));
            if (locally && parse.GetValue(gitRef) is not null)
            {
                throw new CliException("--ref selects what a build agent checks out; a local build uses the working tree here", ExitCodes.Usage);
            }

            await CheckAsync(context, request, locally, ct).ConfigureAwait(false);
            if (locally)
            {
                request.Prebuilt = await LocalBuilder.BuildAndUploadAsync(context, manifest, manifestPath, request, view.Note, ct).ConfigureAwait(false);
            }
            else
            {
                request.Source = await SourceAsync(context, manifest, manifestPath, parse.GetValue(gitRef), view, ct).ConfigureAwait(false);
            }

            return await FleetCall.RunAsync(context, view, () => context.Control.Deploy(request, cancellationToken: ct),
                parse.GetValue(wait), parse.GetValue(detach), ct).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>
    /// Asks the coordinator whether it would take this deploy (targets, build agent, manifest) before the source is
    /// uploaded or the release built here: a refusal after that work cost the upload of a large tree, or a whole build.
    /// A coordinator from before the check is not asked; Deploy refuses the same way, only later.
    /// </summary>
    private static async Task CheckAsync(CliContext context, DeployRequest request, bool locally, CancellationToken ct)
    {
        try
        {
            await context.Control.CheckDeployAsync(new CheckDeployRequest { Deploy = request, LocalBuild = locally },
                deadline: context.ShortDeadline, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
        }
    }

    /// <summary>akdctl builds the release itself for <c>strategy: local-build</c>, or when <c>--local-build</c> asks for it.</summary>
    internal static bool BuildsLocally(AppManifest manifest, bool localBuildFlag)
    {
        if (localBuildFlag && manifest.Strategy == DeployStrategy.Source)
        {
            throw new CliException("--local-build builds a release, but the manifest's strategy is source (targets build from source)", ExitCodes.Usage);
        }

        return localBuildFlag || manifest.Strategy == DeployStrategy.LocalBuild;
    }

    /// <summary>The source strategy names releases after the uploaded tree's version; with git the targets read it.</summary>
    private static string SourceVersion(AppManifest manifest, string manifestPath) =>
        manifest.Strategy == DeployStrategy.Source && manifest.Source.Git is null
            ? MixProject.TryRead(SourceDir(manifest, manifestPath))?.Version ?? ""
            : "";

    private static string SourceDir(AppManifest manifest, string manifestPath) =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(manifestPath)!, manifest.Source.Path ?? "."));

    private static async Task<SourceSpec> SourceAsync(
        CliContext context, AppManifest manifest, string manifestPath, string? gitRef, IProgressView view, CancellationToken ct)
    {
        if (manifest.Source.Git is { } url)
        {
            return new SourceSpec { Git = new GitSource { Url = url, Ref = gitRef ?? manifest.Source.Ref ?? "" } };
        }

        if (gitRef is not null)
        {
            throw new CliException("--ref needs source.git in the manifest", ExitCodes.Usage);
        }

        return new SourceSpec { Archive = await SourceUploader.UploadAsync(context, SourceDir(manifest, manifestPath), view.Note, ct).ConfigureAwait(false) };
    }
}
