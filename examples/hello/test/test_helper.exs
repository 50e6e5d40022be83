# `mix test` runs with --no-start (see mix.exs), which loads the app but starts
# nothing: start :inets for the :httpc client; each test starts its own server.
{:ok, _} = Application.ensure_all_started(:inets)
ExUnit.start()
