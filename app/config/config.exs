import Config

config :hello_world, port: 4001, colour: "unknown"

config :logger, :console, format: "$time [$level] $message\n"

if config_env() == :test do
  # Tests start their own listener on a free port.
  config :hello_world, port: 0
end
