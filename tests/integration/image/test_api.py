"""The api image: the release installed from S3, a hardened unit, and the API answering."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import testinfra
from tenacity import retry, retry_if_result, stop_after_delay, wait_fixed

from harness.image.spec import load_spec
from harness.image.units import start_unit, stop_unit

pytestmark = pytest.mark.image

IMAGE = "api"
VARS = load_spec(IMAGE).extra_vars
APP, USER, VERSION = VARS["api_name"], VARS["api_user"], VARS["api_version"]
UNIT = f"{APP}.service"
PORT = 4001  # config.env of the environment (the app's default too)


@retry(
    retry=retry_if_result(lambda code: code != "200"),
    stop=stop_after_delay(60),
    wait=wait_fixed(0.5),
)
def _wait_until_healthy(host: testinfra.host.Host) -> str:
    return _status(host, "/v1/")


def _status(host: testinfra.host.Host, path: str) -> str:
    cmd = "curl -s -o /dev/null -w '%%{http_code}' http://127.0.0.1:%s%s"
    return str(host.run(cmd, str(PORT), path).stdout.strip())


@pytest.fixture(scope="module")
def running_api(
    host: testinfra.host.Host, in_chroot: bool, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[testinfra.host.Host]:
    """The API running: started from its unit inside the chroot, or by systemd on an instance."""
    process = None
    if in_chroot:
        log = tmp_path_factory.mktemp("api") / "api.log"
        process = start_unit(Path(host.backend.name), UNIT, log)
    try:
        status = _wait_until_healthy(host)
        assert status == "200", f"GET /v1/ answered {status}"
        yield host
    finally:
        if process is not None:
            stop_unit(process)


def test_api_release_installed_under_versioned_directory(host: testinfra.host.Host) -> None:
    current = host.file(f"/opt/{APP}/current")
    assert current.is_symlink
    assert current.linked_to == f"/opt/{APP}/{VERSION}"
    binary = host.file(f"/opt/{APP}/{VERSION}/bin/{APP}")
    assert binary.is_file
    assert (binary.user, binary.group) == ("root", "root")
    assert host.file(f"/opt/{APP}/{VERSION}/releases/{VERSION}").is_directory


@pytest.mark.parametrize("name", ["config.env", "secrets.env"])
def test_api_configuration_readable_by_service_only(host: testinfra.host.Host, name: str) -> None:
    file = host.file(f"/etc/{APP}/{name}")
    assert file.exists
    assert (file.user, file.group, file.mode) == ("root", USER, 0o640)


def test_api_unit_enabled(host: testinfra.host.Host) -> None:
    assert host.service(UNIT).is_enabled


@pytest.mark.parametrize(
    "setting",
    [
        f"User={USER}",
        "NoNewPrivileges=true",
        "ProtectSystem=strict",
        "ProtectHome=true",
        "PrivateTmp=true",
        "CapabilityBoundingSet=",
        "RestrictSUIDSGID=true",
    ],
)
def test_api_unit_hardened(host: testinfra.host.Host, setting: str) -> None:
    unit = host.file(f"/etc/systemd/system/{UNIT}").content_string
    assert setting in unit.splitlines()


def test_api_health_check_answers_200(running_api: testinfra.host.Host) -> None:
    assert _status(running_api, "/v1/") == "200"


def test_api_hello_answers_hello_world(running_api: testinfra.host.Host) -> None:
    assert running_api.check_output(f"curl -fsS http://127.0.0.1:{PORT}/hello") == "Hello World"


def test_api_version_reports_the_built_version(running_api: testinfra.host.Host) -> None:
    body = json.loads(running_api.check_output(f"curl -fsS http://127.0.0.1:{PORT}/version"))
    assert body["version"] == VERSION
    assert "colour" in body


def test_api_runs_as_the_app_user(running_api: testinfra.host.Host) -> None:
    users = running_api.check_output("ps -o user= -C beam.smp").split()
    assert users
    assert set(users) == {USER}
