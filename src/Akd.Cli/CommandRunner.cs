using System.CommandLine;
using Akd.Core.Manifest;
using Akd.Manifest;
using Grpc.Core;

namespace Akd.Cli;

/// <summary>
/// Runs a verb and turns every failure into one line on stderr and a non-zero exit code:
/// users and CI logs see "akdctl: ..." and never a stack trace.
/// </summary>
internal static class CommandRunner
{
    public static void SetAction(this Command command, Func<CliContext, ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, ct) =>
        {
            CliContext? context = null;
            try
            {
                context = new CliContext(parse);
                return await action(context, parse, ct).ConfigureAwait(false);
            }
            catch (CliException ex)
            {
                return Fail(ex.Message, ex.ExitCode);
            }
            catch (ManifestException ex)
            {
                return Fail(ex.Message, ExitCodes.Usage);
            }
            catch (RpcException ex) when (ex.Status.DebugException is HttpRequestException { InnerException: System.Security.Authentication.AuthenticationException })
            {
                return Fail($"cannot trust the coordinator at {context?.Address}: its certificate is not from a CA this machine trusts; " +
                    "pass --ca-file with the coordinator's <data-dir>/pki/ca.crt (or set AKD_CA_FILE)", ExitCodes.Unavailable);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
            {
                var address = parse.GetValue(CliApp.Coordinator) ?? Environment.GetEnvironmentVariable("AKD_COORDINATOR") ?? "https://127.0.0.1:7400";
                return Fail($"cannot reach the coordinator at {address}: {ex.Status.Detail}", ExitCodes.Unavailable);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
            {
                return Fail($"the coordinator refused the request: {ex.Status.Detail}", ExitCodes.Usage);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
            {
                return Fail("the coordinator did not answer in time", ExitCodes.Unavailable);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
            {
                return Fail("interrupted", ExitCodes.Failed);
            }
            catch (RpcException ex)
            {
                return Fail(ex.Status.Detail, ex.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound ? ExitCodes.Usage : ExitCodes.Failed);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return Fail("interrupted", ExitCodes.Failed);
            }
            finally
            {
                context?.Dispose();
            }
        });

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"akdctl: {message}");
        return code;
    }
}
