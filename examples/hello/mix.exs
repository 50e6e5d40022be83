defmodule Hello.MixProject do
  use Mix.Project

  def project do
    [
      app: :hello,
      version: "0.1.0",
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      deps: [],
      aliases: aliases(),
      releases: releases()
    ]
  end

  def application do
    [
      extra_applications: [:logger, :inets],
      mod: {Hello.Application, []}
    ]
  end

  # ERTS is bundled so targets need no Erlang of their own (the local-build and
  # remote-build strategies ship this release as-is).
  defp releases do
    [
      hello: [
        include_erts: true,
        include_executables_for: [:unix]
      ]
    ]
  end

  # Tests start their own listener on an ephemeral port instead of the
  # application's one on PORT (default 4000), which may be in use.
  defp aliases do
    [test: "test --no-start"]
  end
end
