defmodule HelloWorld.Application do
  @moduledoc "Starts the greeter and the HTTP listener."

  use Application

  @impl true
  def start(_type, _args) do
    port = Application.fetch_env!(:hello_world, :port)

    children = [
      HelloWorld.Greeter,
      {Task.Supervisor, name: HelloWorld.ConnectionSupervisor},
      {HelloWorld.Server, port: port}
    ]

    Supervisor.start_link(children, strategy: :one_for_one, name: HelloWorld.Supervisor)
  end
end
