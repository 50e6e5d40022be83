defmodule HelloTest do
  use ExUnit.Case, async: true

  @moduletag timeout: 10_000

  # From mix.exs, so the tests keep passing when a test bumps the version there.
  @greeting "hello #{Mix.Project.config()[:version]}"

  test "respond/2 answers GET with the app name and version" do
    assert Hello.Handler.respond(~c"GET", "/") == {200, @greeting}
    assert Hello.Handler.respond(~c"GET", "/anything?x=1") == {200, @greeting}
  end

  test "respond/2 answers /health with ok" do
    assert Hello.Handler.respond(~c"GET", "/health") == {200, "ok"}
  end

  test "the server answers over HTTP on loopback" do
    pid = start_supervised!({Hello.Server, port: 0})
    base = "http://127.0.0.1:#{Hello.Server.port(pid)}"

    assert {200, @greeting} == get(base <> "/")
    assert {200, "ok"} == get(base <> "/health")
  end

  defp get(url) do
    {:ok, {{_, status, _}, _headers, body}} =
      :httpc.request(:get, {String.to_charlist(url), []}, [timeout: 5_000], body_format: :binary)

    {status, body}
  end
end
