namespace Akd.Contracts.V1;

/// <summary>gRPC trailers of the Control service: part of the wire contract, but not expressible in the .proto files.</summary>
public static class ControlTrailers
{
    /// <summary>On a deploy refused because the app's lock is held (Aborted): the id of the deployment holding it, which <c>akdctl --wait</c> follows until it ends.</summary>
    public const string LockHolder = "akd-lock-deployment";
}
