namespace Akd.IntegrationTests.Fleet;

internal static class Http
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<string> GetBodyAsync(int port, string path = "/")
    {
        var body = await Client.GetStringAsync($"http://127.0.0.1:{port}{path}");
        return body.Trim();
    }
}
