defmodule ExUnitJUnit do
  @moduledoc """
  An ExUnit formatter that writes the run as JUnit XML (pytest's shape) to the file named by
  $EXUNIT_JUNIT, so the harness's report counts the app's tests like every other suite.
  Loaded with `elixir -r` (the app itself stays free of test dependencies).
  """
  use GenServer

  @impl true
  def init(_opts), do: {:ok, []}

  @impl true
  def handle_cast({:test_finished, %ExUnit.Test{} = test}, cases), do: {:noreply, [test | cases]}

  def handle_cast({:suite_finished, _times}, cases) do
    write(System.fetch_env!("EXUNIT_JUNIT"), Enum.reverse(cases))
    {:noreply, cases}
  end

  def handle_cast(_event, cases), do: {:noreply, cases}

  defp write(path, cases) do
    failures = Enum.count(cases, &match?({:failed, _}, &1.state))
    skipped = Enum.count(cases, &match?({tag, _} when tag in [:skipped, :excluded], &1.state))
    errors = Enum.count(cases, &match?({:invalid, _}, &1.state))
    seconds = Enum.reduce(cases, 0, &(&1.time + &2)) / 1_000_000

    xml = [
      ~s(<?xml version="1.0" encoding="utf-8"?>\n<testsuites><testsuite name="exunit" ),
      ~s(tests="#{length(cases)}" failures="#{failures}" errors="#{errors}" ),
      ~s(skipped="#{skipped}" time="#{seconds}">\n),
      Enum.map(cases, &testcase/1),
      "</testsuite></testsuites>\n"
    ]

    File.mkdir_p!(Path.dirname(path))
    File.write!(path, xml)
  end

  defp testcase(%ExUnit.Test{} = test) do
    attrs =
      ~s(classname="#{escape(inspect(test.module))}" name="#{escape(to_string(test.name))}" ) <>
        ~s(time="#{test.time / 1_000_000}")

    case test.state do
      nil ->
        ["<testcase ", attrs, "/>\n"]

      {:failed, failures} ->
        message = ExUnit.Formatter.format_test_failure(test, failures, 1, 100, &plain/2)

        [
          "<testcase ",
          attrs,
          ~s(><failure message="failed">),
          escape(message),
          "</failure></testcase>\n"
        ]

      {:invalid, _module} ->
        ["<testcase ", attrs, ~s(><error message="setup_all failed"/></testcase>\n)]

      {tag, reason} when tag in [:skipped, :excluded] ->
        ["<testcase ", attrs, ~s(><skipped message="#{escape(to_string(reason))}"/></testcase>\n)]
    end
  end

  defp plain(_key, message), do: message

  # XML 1.0 has no escape for most control characters: they become "?".
  defp escape(text) do
    text
    |> String.replace(~r/[\x00-\x08\x0B\x0C\x0E-\x1F]/, "?")
    |> String.replace("&", "&amp;")
    |> String.replace("<", "&lt;")
    |> String.replace(">", "&gt;")
    |> String.replace(~s("), "&quot;")
  end
end
