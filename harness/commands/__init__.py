"""Command groups of `python -m harness`; each module exposes register(subparsers)."""
