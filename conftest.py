"""Root conftest: load the harness plugin (options, fixtures, markers live there)."""

pytest_plugins = ["harness.pytest_plugin"]
