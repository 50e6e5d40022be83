using Akd.Contracts.V1;
using Akd.Coordinator.Errors;
using Grpc.Core;

namespace Akd.Coordinator.Tests.Errors;

/// <summary>The one mapping from typed refusals to gRPC status codes (end to end, the fleet tests see the codes it makes).</summary>
public sealed class RpcErrorInterceptorTests
{
    private readonly RpcErrorInterceptor _interceptor = new();

    [Theory(Timeout = 10_000)]
    [InlineData(typeof(InvalidRequestException), StatusCode.InvalidArgument)]
    [InlineData(typeof(NotFoundException), StatusCode.NotFound)]
    [InlineData(typeof(AlreadyExistsException), StatusCode.AlreadyExists)]
    [InlineData(typeof(PreconditionFailedException), StatusCode.FailedPrecondition)]
    [InlineData(typeof(UnauthenticatedException), StatusCode.Unauthenticated)]
    [InlineData(typeof(PermissionDeniedException), StatusCode.PermissionDenied)]
    [InlineData(typeof(LimitExceededException), StatusCode.ResourceExhausted)]
    [InlineData(typeof(PositionOutOfRangeException), StatusCode.OutOfRange)]
    [InlineData(typeof(CorruptDataException), StatusCode.DataLoss)]
    [InlineData(typeof(ConcurrentChangeException), StatusCode.Aborted)]
    public async Task UnaryServerHandler_HandlerThrowsTypedRefusal_RpcExceptionWithItsStatusAndMessage(Type refusal, StatusCode expected)
    {
        // Arrange
        var thrown = (Exception)Activator.CreateInstance(refusal, "no artifact with sha256 abc")!;

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _interceptor.UnaryServerHandler<string, string>("request", null!, (_, _) => throw thrown));

        // Assert
        Assert.Equal(expected, error.StatusCode);
        Assert.Equal("no artifact with sha256 abc", error.Status.Detail);
    }

    [Fact(Timeout = 10_000)]
    public async Task ServerStreamingServerHandler_ConcurrentChangeWithTrailers_AbortedCarryingThem()
    {
        // Arrange: a held deploy lock names its holder for akdctl --wait.
        var thrown = new ConcurrentChangeException("hello is locked by deploy d-1", new Dictionary<string, string> { ["akd-lock-deployment"] = "d-1" });

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _interceptor.ServerStreamingServerHandler<string, string>("request", null!, null!, (_, _, _) => throw thrown));

        // Assert
        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Equal("hello is locked by deploy d-1", error.Status.Detail);
        Assert.Equal("d-1", error.Trailers.GetValue("akd-lock-deployment"));
    }

    [Fact(Timeout = 10_000)]
    public async Task DuplexStreamingServerHandler_ProtocolRefused_FailedPreconditionWithProtocolTrailer()
    {
        // Arrange: the agent hub refuses a hello of another major version and names its own for the agent.
        var thrown = new ProtocolRefusedException("agent web-1 speaks agent protocol 3.0 and this coordinator 2.3", "2.3");

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _interceptor.DuplexStreamingServerHandler<string, string>(null!, null!, null!, (_, _, _) => throw thrown));

        // Assert
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("agent web-1 speaks agent protocol 3.0 and this coordinator 2.3", error.Status.Detail);
        Assert.Equal("2.3", error.Trailers.GetValue(AgentProtocol.RefusedTrailer));
    }

    [Fact(Timeout = 10_000)]
    public async Task ServerStreamingServerHandler_HandlerThrowsOtherException_PassesThroughUnchanged()
    {
        // Arrange: not a refusal (a bug, a cancelled call): gRPC reports it as it always has.
        var thrown = new InvalidOperationException("a bug");

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _interceptor.ServerStreamingServerHandler<string, string>("request", null!, null!, (_, _, _) => throw thrown));

        // Assert
        Assert.Same(thrown, error);
        Assert.Null(RpcErrorInterceptor.StatusFor(thrown));
    }

    [Fact(Timeout = 10_000)]
    public async Task ClientStreamingServerHandler_HandlerThrowsRpcException_PassesThroughWithItsTrailers()
    {
        // Arrange: a status built elsewhere (e.g. by a call the handler made itself) is left as it is.
        var thrown = new RpcException(new Status(StatusCode.Aborted, "locked"), new Metadata { { "akd-lock-holder", "d-1" } });

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _interceptor.ClientStreamingServerHandler<string, string>(null!, null!, (_, _) => throw thrown));

        // Assert
        Assert.Same(thrown, error);
        Assert.Equal("d-1", error.Trailers.GetValue("akd-lock-holder"));
    }
}
