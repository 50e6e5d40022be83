defmodule Counter.Application do
  @moduledoc false

  use Application

  @impl true
  def start(_type, _args) do
    port = String.to_integer(System.get_env("PORT", "4000"))

    children = [
      Counter.Store,
      # REUSE_PORT=true: the next release's VM may listen beside this one (akd's start_overlap: shared_port).
      {Counter.Server, port: port, reuse_port: System.get_env("REUSE_PORT") == "true"}
    ]

    Supervisor.start_link(children, strategy: :one_for_one, name: Counter.Supervisor)
  end
end
