defmodule HelloWorld.Greeter do
  @moduledoc "Holds the greeting, as the original sample did with a GenServer."

  use GenServer

  def start_link(_opts), do: GenServer.start_link(__MODULE__, "Hello World", name: __MODULE__)

  @doc "Returns the greeting."
  def greet, do: GenServer.call(__MODULE__, :greet)

  @impl true
  def init(greeting), do: {:ok, greeting}

  @impl true
  def handle_call(:greet, _from, greeting), do: {:reply, greeting, greeting}
end
