defmodule Counter.Server do
  @moduledoc """
  OTP `:inets` httpd, started stand-alone so it is linked into (and stopped
  with) the application's supervision tree rather than the `:inets` one.
  """

  @doc false
  def child_spec(opts) do
    %{
      id: __MODULE__,
      start: {__MODULE__, :start_link, [opts]},
      type: :supervisor
    }
  end

  @doc """
  Starts httpd. Options: `:port` (0 picks a free one) and `:bind` (an IP tuple).
  """
  @spec start_link(keyword()) :: {:ok, pid()} | {:error, term()}
  def start_link(opts) do
    port = Keyword.fetch!(opts, :port)
    bind = Keyword.get(opts, :bind, {127, 0, 0, 1})
    # httpd insists on existing server and document roots even though the
    # handler serves no files; the application directory always exists.
    root = Application.app_dir(:counter) |> String.to_charlist()

    :inets.start(
      :httpd,
      [
        port: port,
        bind_address: bind,
        ipfamily: ip_family(bind),
        server_name: ~c"counter",
        server_root: root,
        document_root: root,
        modules: [Counter.Handler]
      ],
      :stand_alone
    )
  end

  @doc "The port httpd actually listens on (useful after starting with port 0)."
  @spec port(pid()) :: :inet.port_number()
  def port(pid) do
    # :httpd.info/2 only knows services under the :inets supervisor, so read
    # the port from the id of the stand-alone instance's only child.
    [{{:httpd_instance_sup, _address, port, _profile}, _, _, _}] = Supervisor.which_children(pid)
    port
  end

  defp ip_family(bind) when tuple_size(bind) == 8, do: :inet6
  defp ip_family(_bind), do: :inet
end
