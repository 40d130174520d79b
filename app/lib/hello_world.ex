defmodule HelloWorld do
  @moduledoc "The sample API: a health check, a greeting and the running version."
end
