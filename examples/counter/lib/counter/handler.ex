defmodule Counter.Handler do
  @moduledoc """
  The httpd callback module: `/` answers `counter VERSION`, `/incr` adds one and
  answers the new count, `/count` answers the count, `/health` answers `ok`.
  """

  require Record

  Record.defrecordp(:mod, Record.extract(:mod, from_lib: "inets/include/httpd.hrl"))

  @doc false
  def unquote(:do)(request) do
    path = request |> mod(:request_uri) |> List.to_string()
    body = respond(URI.parse(path).path)

    head = [
      code: 200,
      content_type: ~c"text/plain; charset=utf-8",
      content_length: body |> byte_size() |> Integer.to_charlist()
    ]

    {:proceed, [response: {:response, head, [body]}]}
  end

  defp respond("/health"), do: "ok"
  defp respond("/incr"), do: Integer.to_string(Counter.Store.increment())
  defp respond("/count"), do: Integer.to_string(Counter.Store.count())
  defp respond(_), do: "counter #{Application.spec(:counter, :vsn)}"
end
