defmodule Hello.Handler do
  @moduledoc """
  The httpd callback module: every GET answers `hello VERSION`, `/health`
  answers `ok`.
  """

  require Record

  Record.defrecordp(:mod, Record.extract(:mod, from_lib: "inets/include/httpd.hrl"))

  # `do` is a keyword in Elixir, so the httpd callback `do/1` is defined via unquote.
  @doc false
  def unquote(:do)(request) do
    method = mod(request, :method)
    path = request |> mod(:request_uri) |> List.to_string()
    {status, body} = respond(method, path)

    head = [
      code: status,
      content_type: ~c"text/plain; charset=utf-8",
      content_length: body |> byte_size() |> Integer.to_charlist()
    ]

    {:proceed, [response: {:response, head, [body]}]}
  end

  @doc "The status and body for a request method (as httpd gives it) and path."
  @spec respond(charlist(), String.t()) :: {pos_integer(), binary()}
  def respond(~c"GET", path) do
    case URI.parse(path).path do
      "/health" -> {200, "ok"}
      _ -> {200, "#{Hello.name()} #{Hello.version()}"}
    end
  end

  def respond(_method, _path), do: {405, "method not allowed"}
end
