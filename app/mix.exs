defmodule HelloWorld.MixProject do
  use Mix.Project

  # The release version comes from the build (make app-release VERSION=...), so the
  # tarball, the S3 key and the AMI tag all carry the same version.
  @version System.get_env("APP_VERSION", "0.1.0")

  def project do
    [
      app: :hello_world,
      version: @version,
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      deps: [],
      releases: [
        hello_world: [
          include_executables_for: [:unix],
          steps: [:assemble, :tar]
        ]
      ]
    ]
  end

  def application do
    [
      extra_applications: [:logger],
      mod: {HelloWorld.Application, []}
    ]
  end
end
