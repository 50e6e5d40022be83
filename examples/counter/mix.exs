defmodule Counter.MixProject do
  use Mix.Project

  def project do
    [
      app: :counter,
      # The hot-upgrade example: versions/0.2.0 holds the files that make 0.2.0 of it
      # (tests copy them over a copy of this project and bump this version).
      version: "0.1.0",
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      deps: [],
      releases: [counter: [include_erts: true, include_executables_for: [:unix]]]
    ]
  end

  # :sasl brings release_handler, which applies a relup in the running VM.
  def application do
    [
      extra_applications: [:logger, :inets, :sasl],
      mod: {Counter.Application, []}
    ]
  end
end
