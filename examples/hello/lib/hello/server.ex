defmodule Hello.Server do
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
  Starts httpd. Options: `:port` (0 picks a free one), `:bind` (an IP tuple) and
  `:reuse_port` (true: bind with SO_REUSEPORT, so that the next release's VM can
  listen on the same port while this one still serves, as akd's
  `deploy.start_overlap: shared_port` needs; default false).
  """
  @spec start_link(keyword()) :: {:ok, pid()} | {:error, term()}
  def start_link(opts) do
    port = Keyword.fetch!(opts, :port)
    bind = Keyword.get(opts, :bind, {127, 0, 0, 1})
    # httpd insists on existing server and document roots even though the
    # handler serves no files; the application directory always exists.
    root = Application.app_dir(:hello) |> String.to_charlist()

    :inets.start(
      :httpd,
      listen(port, Keyword.get(opts, :reuse_port, false)) ++
        [
          bind_address: bind,
          ipfamily: ip_family(bind),
          server_name: ~c"hello",
          server_root: root,
          document_root: root,
          modules: [Hello.Handler]
        ],
      :stand_alone
    )
  end

  # OTP 25's httpd applies socket options (`socket_type: {:ip_comm, options}`) only
  # to a listener it opens while starting, which it does for port 0; the `{:port, port}`
  # among those options then wins over the 0, as gen_tcp takes the last one. inet has
  # no `reuseport` option before OTP 26, hence the raw setsockopt(SOL_SOCKET,
  # SO_REUSEPORT, 1): level 1, option 15 on Linux.
  defp listen(port, false), do: [port: port]

  defp listen(port, true) do
    [port: 0, socket_type: {:ip_comm, [{:port, port}, {:raw, 1, 15, <<1::native-32>>}]}]
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
