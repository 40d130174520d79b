defmodule HelloWorldTest do
  # Not async: one test changes the colour in the application environment.
  use ExUnit.Case, async: false

  defp get(path) do
    url = ~c"http://127.0.0.1:#{HelloWorld.Server.port()}#{path}"
    {:ok, {{_, status, _}, headers, body}} = :httpc.request(:get, {url, []}, [], [])
    {status, headers, to_string(body)}
  end

  setup_all do
    {:ok, _} = Application.ensure_all_started(:inets)
    :ok
  end

  test "GET /v1/ answers 200 for the load balancer health check" do
    assert {200, _, "ok"} = get("/v1/")
  end

  test "GET /hello answers Hello World" do
    assert {200, _, "Hello World"} = get("/hello")
  end

  test "GET /version answers the version and colour as JSON" do
    {200, headers, body} = get("/version")
    assert {~c"content-type", ~c"application/json"} in headers
    version = to_string(Application.spec(:hello_world, :vsn))
    assert body == ~s({"version":"#{version}","colour":"unknown"})
  end

  test "an unknown path answers 404" do
    assert {404, _, _} = get("/nope")
  end

  test "a query string does not change the route" do
    assert {200, _, "ok"} = get("/v1/?probe=alb")
  end

  test "many requests in a row are all answered by the same listener" do
    port = HelloWorld.Server.port()
    for _ <- 1..300, do: assert({200, _, "ok"} = get("/v1/"))
    assert HelloWorld.Server.port() == port
  end

  test "version JSON escapes quotes and control characters" do
    Application.put_env(:hello_world, :colour, "a\"b\n")
    on_exit(fn -> Application.put_env(:hello_world, :colour, "unknown") end)
    assert HelloWorld.Router.version_json() =~ ~s("colour":"a\\"b\\u000A")
  end
end
