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

  test "with reuse_port, another listener can bind the server's port while it serves" do
    {:ok, probe} = :gen_tcp.listen(0, ip: {127, 0, 0, 1})
    {:ok, port} = :inet.port(probe)
    :ok = :gen_tcp.close(probe)
    reuse = {:raw, 1, 15, <<1::native-32>>}

    pid = start_supervised!({Hello.Server, port: port, reuse_port: true})

    assert Hello.Server.port(pid) == port
    assert {:ok, second} = :gen_tcp.listen(port, [reuse, ip: {127, 0, 0, 1}])
    :ok = :gen_tcp.close(second)
    assert {200, "ok"} == get("http://127.0.0.1:#{port}/health")
  end

  test "without reuse_port, the server's port stays its own" do
    pid = start_supervised!({Hello.Server, port: 0})

    port = Hello.Server.port(pid)

    assert {:error, :eaddrinuse} = :gen_tcp.listen(port, [{:raw, 1, 15, <<1::native-32>>}, ip: {127, 0, 0, 1}])
  end

  defp get(url) do
    {:ok, {{_, status, _}, _headers, body}} =
      :httpc.request(:get, {String.to_charlist(url), []}, [timeout: 5_000], body_format: :binary)

    {status, body}
  end
end
