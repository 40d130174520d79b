defmodule HelloWorld.Router do
  @moduledoc "Maps a request to a response: status, content type and body."

  @type response :: {pos_integer(), String.t(), iodata()}

  @doc "Answers `method` on `path`."
  @spec route(String.t(), String.t()) :: response()
  def route("GET", "/v1/"), do: {200, "text/plain", "ok"}
  def route("GET", "/hello"), do: {200, "text/plain", HelloWorld.Greeter.greet()}
  def route("GET", "/version"), do: {200, "application/json", version_json()}
  def route(_method, _path), do: {404, "text/plain", "not found"}

  @doc "The running version and colour as a JSON object."
  @spec version_json() :: String.t()
  def version_json do
    version = :hello_world |> Application.spec(:vsn) |> to_string()
    colour = Application.fetch_env!(:hello_world, :colour)
    ~s({"version":#{json_string(version)},"colour":#{json_string(colour)}})
  end

  # Enough JSON for two short strings; no Hex package needed.
  defp json_string(value) do
    escaped =
      value
      |> String.replace("\\", "\\\\")
      |> String.replace("\"", "\\\"")
      |> String.replace(~r/[\x00-\x1f]/, fn <<c>> ->
        "\\u" <> String.pad_leading(Integer.to_string(c, 16), 4, "0")
      end)

    "\"" <> escaped <> "\""
  end
end
