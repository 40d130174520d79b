"""Test harness for the AWS Elixir API template."""

__version__ = "0.1.0"
