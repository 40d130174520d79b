defmodule HelloWorld.Server do
  @moduledoc """
  A small HTTP/1.1 listener on `:gen_tcp`, using the HTTP packet decoder built into
  OTP: one request per connection, answered by `HelloWorld.Router`.
  """

  use Task, restart: :permanent
  require Logger

  @recv_timeout 5_000

  def start_link(opts), do: Task.start_link(__MODULE__, :listen, [Keyword.fetch!(opts, :port)])

  @doc "Opens the listening socket and accepts connections forever."
  def listen(port) do
    {:ok, socket} =
      :gen_tcp.listen(port, [:binary, packet: :http_bin, active: false, reuseaddr: true])

    {:ok, actual} = :inet.port(socket)
    :persistent_term.put({__MODULE__, :port}, actual)
    Logger.info("listening on port #{actual}")
    accept(socket)
  end

  @doc "The port the listener is bound to (useful when configured with port 0)."
  def port, do: :persistent_term.get({__MODULE__, :port})

  defp accept(socket) do
    {:ok, client} = :gen_tcp.accept(socket)

    # The connection's task waits for :go until it owns the socket: serving before the
    # hand-over let a fast request close the socket first, and controlling_process then
    # failed with :badarg and took the listener down with it.
    {:ok, pid} =
      Task.Supervisor.start_child(HelloWorld.ConnectionSupervisor, fn ->
        receive do
          :go -> serve(client)
        end
      end)

    case :gen_tcp.controlling_process(client, pid) do
      :ok ->
        send(pid, :go)

      {:error, reason} ->
        Logger.warning("dropping a connection: #{inspect(reason)}")
        Process.exit(pid, :kill)
        :gen_tcp.close(client)
    end

    accept(socket)
  end

  defp serve(client) do
    case read_request(client) do
      {:ok, method, path} -> respond(client, HelloWorld.Router.route(method, path))
      :error -> respond(client, {400, "text/plain", "bad request"})
    end

    :gen_tcp.close(client)
  end

  defp read_request(client) do
    with {:ok, {:http_request, method, {:abs_path, target}, _version}} <-
           :gen_tcp.recv(client, 0, @recv_timeout),
         :ok <- skip_headers(client) do
      path = target |> String.split("?", parts: 2) |> hd()
      {:ok, to_string(method), path}
    else
      _ -> :error
    end
  end

  defp skip_headers(client) do
    case :gen_tcp.recv(client, 0, @recv_timeout) do
      {:ok, {:http_header, _, _, _, _}} -> skip_headers(client)
      {:ok, :http_eoh} -> :ok
      _ -> :error
    end
  end

  defp respond(client, {status, content_type, body}) do
    body = IO.iodata_to_binary(body)

    head = [
      "HTTP/1.1 #{status} #{reason(status)}\r\n",
      "content-type: #{content_type}\r\n",
      "content-length: #{byte_size(body)}\r\n",
      "connection: close\r\n\r\n"
    ]

    :gen_tcp.send(client, [head, body])
  end

  defp reason(200), do: "OK"
  defp reason(400), do: "Bad Request"
  defp reason(404), do: "Not Found"
end
