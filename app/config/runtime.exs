import Config

# Read at boot of the release: the api role writes these into the unit's
# environment files (config.env from S3, instance.env from the launch template).
if config_env() == :prod do
  config :hello_world,
    port: String.to_integer(System.get_env("PORT", "4001")),
    colour: System.get_env("API_COLOUR", "unknown")
end
