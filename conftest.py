"""Root conftest, kept short: the harness's pytest plugin loads through its `pytest11` entry point
(pyproject.toml), so options, fixtures and markers live in harness/pytest_plugin.py."""
