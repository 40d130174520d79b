"""Errors the harness raises: each names the file, variable or resource at fault."""

from __future__ import annotations


class HarnessError(Exception):
    """An error the command line reports as one line, with its own exit code."""

    exit_code = 2


class HclError(HarnessError):
    """A file could not be parsed as HCL."""


class TerraformError(HarnessError):
    """The terraform binary is missing or a terraform command failed."""
