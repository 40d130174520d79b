"""The elixir image: Erlang/OTP and Elixir run and report their versions."""

from __future__ import annotations

import pytest
import testinfra

pytestmark = pytest.mark.image

IMAGE = "elixir"


def test_elixir_erlang_runs_otp_25_or_later(host: testinfra.host.Host) -> None:
    release = host.check_output(
        "erl -noshell -eval 'io:format(\"~s\", [erlang:system_info(otp_release)]), halt().'"
    )
    assert int(release) >= 25


def test_elixir_runs_and_reports_its_version(host: testinfra.host.Host) -> None:
    output = host.check_output("elixir --version")
    assert "Elixir 1.1" in output
    assert host.check_output("elixir -e 'IO.puts(1 + 1)'") == "2"


def test_elixir_mix_is_available(host: testinfra.host.Host) -> None:
    assert host.run("mix --version").rc == 0
