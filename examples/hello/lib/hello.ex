defmodule Hello do
  @moduledoc """
  A tiny HTTP app that reports its own release version, used by the Akd demo
  and integration tests to see which release is live on a host.
  """

  @doc "The application name, as the running release knows it."
  @spec name() :: String.t()
  def name do
    case Application.get_application(__MODULE__) do
      nil -> "hello"
      app -> Atom.to_string(app)
    end
  end

  @doc "The version of the loaded application (not a compile-time constant)."
  @spec version() :: String.t()
  def version do
    case Application.spec(:hello, :vsn) do
      nil -> "unknown"
      vsn -> List.to_string(vsn)
    end
  end
end
