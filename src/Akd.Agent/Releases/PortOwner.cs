using System.Globalization;
using System.Net;
using Akd.Core.Manifest;

namespace Akd.Agent.Releases;

/// <summary>
/// Which processes listen on a local TCP port, read from <c>/proc</c>. A health check that passes
/// against a port held by another process (an old release that never stopped, anything else) proved
/// nothing about the new release; this tells the two apart.
/// </summary>
internal static class PortOwner
{
    private const string Listen = "0A";

    /// <summary>The loopback address and port an http or tcp health check talks to; null for remote targets and command checks.</summary>
    public static IPEndPoint? LocalEndpointOf(HealthSettings health, string target)
    {
        string host;
        int port;
        if (health.Http is not null && Uri.TryCreate(target, UriKind.Absolute, out var uri))
        {
            (host, port) = (uri.Host, uri.Port);
        }
        else if (health.Tcp is not null && target.LastIndexOf(':') is var colon and > 0
            && int.TryParse(target[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port))
        {
            host = target[..colon];
        }
        else
        {
            return null;
        }

        host = host.Trim('[', ']');
        var address = host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out var ip) ? ip : null;
        return address is not null && IPAddress.IsLoopback(address) ? new IPEndPoint(address, port) : null;
    }

    /// <summary>Pids holding a listening socket that accepts connections to <paramref name="endpoint"/>; empty when none is visible.</summary>
    public static IReadOnlySet<int> ListenersOf(IPEndPoint endpoint)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && fields[3] == Listen && ParseEndpoint(fields[1]) is { } local
                    && local.Port == endpoint.Port && Accepts(local.Address, endpoint.Address))
                {
                    inodes.Add($"socket:[{fields[9]}]");
                }
            }
        }

        var pids = new HashSet<int>();
        if (inodes.Count == 0)
        {
            return pids;
        }

        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out var pid))
            {
                continue;
            }

            try
            {
                if (Directory.EnumerateFileSystemEntries(Path.Combine(proc, "fd")).Any(fd => new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target)))
                {
                    pids.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another user's process, or one that just exited: not ours to judge.
            }
        }

        return pids;
    }

    /// <summary>A socket bound to the wildcard address accepts connections to every local address.</summary>
    private static bool Accepts(IPAddress bound, IPAddress target) =>
        bound.Equals(target) || bound.Equals(IPAddress.Any) || bound.Equals(IPAddress.IPv6Any);

    /// <summary><c>0100007F:1F90</c> (IPv4) or 32 hex digits (IPv6), each 32-bit word in host (little-endian) order.</summary>
    private static IPEndPoint? ParseEndpoint(string text)
    {
        var colon = text.IndexOf(':');
        if (colon is not (8 or 32) || !int.TryParse(text[(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port))
        {
            return null;
        }

        var bytes = Convert.FromHexString(text[..colon]);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            Array.Reverse(bytes, word, 4);
        }

        var address = new IPAddress(bytes);
        return new IPEndPoint(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, port);
    }

    /// <summary>True when <paramref name="pid"/> is <paramref name="ancestor"/> or was started by it (a port program, a child VM).</summary>
    public static bool IsSelfOrDescendant(int pid, int ancestor)
    {
        for (var current = pid; current > 1; current = ParentOf(current))
        {
            if (current == ancestor)
            {
                return true;
            }
        }

        return false;
    }

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.TryParse(fields[1], out var parent) ? parent : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
