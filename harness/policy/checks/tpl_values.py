"""Value helpers for the custom checks: unwrap checkov's list-wrapped attribute values.

Checkov hands a resource's attributes over as 1-item lists (`{"name": ["api"]}`) and nested
blocks as lists of dicts; these helpers read them as plain values, blocks and string lists.

Like every `tpl_*.py` file this runs inside checkov's own process (loaded through
--external-checks-dir, which puts this directory on sys.path), so it imports only the standard
library.
"""

from __future__ import annotations

import re
from typing import Any


def first(conf: dict[str, Any], key: str, default: Any = None) -> Any:
    """The value of `key` in a checkov resource conf, where every attribute is a 1-item list."""
    value = conf.get(key, default)
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def blocks(conf: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The nested blocks named `key` (e.g. `ingress`), as dicts."""
    value = conf.get(key) or []
    return [b for b in (value if isinstance(value, list) else [value]) if isinstance(b, dict)]


def as_list(value: Any) -> list[Any]:
    """Flatten checkov's list wrapping: `[["a", "b"]]` and `"a"` both become lists of scalars."""
    if value is None:
        return []
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            out.extend(as_list(item))
        return out
    return [value]


def truthy(value: Any) -> bool:
    """HCL true in any of its spellings."""
    return str(first({"v": value}, "v")).strip().lower() == "true"


def unescape(text: str) -> str:
    """HCL writes a literal `${` as `$${`; IAM wants the literal."""
    return text.replace("$${", "${")


def mentions(value: Any, *words: str) -> bool:
    """Whether any string in `value` contains one of `words` (case-insensitive)."""
    return any(w in str(v).lower() for v in as_list(value) for w in words)


def strings(value: Any) -> list[str]:
    """Every scalar in `value` as a string, HCL's `$${` escapes undone."""
    return [unescape(str(v)) for v in as_list(value)]


# A check's detail that starts with this marker is not a failure but a value the check could not
# read; checkov's JSON drops UNKNOWN results, so the custom checks FAIL with this marker and the
# harness (harness.policy.checkov) reports the detail as an unknown, never as a pass.
UNKNOWN = "harness:unknown: "
# An expression checkov's renderer left as text: a reference it could not resolve.
_REFERENCE = re.compile(
    r"(\$\{|\b(var|local|module|data|each|count|self|path)\.[A-Za-z_]"
    r"|^aws_[a-z0-9_]+\.[A-Za-z_][\w-]*\.[a-z_]+)"
)


def unknown(what: str) -> str:
    """A detail that says `what` could not be read (reported as unknown, not as a failure)."""
    return UNKNOWN + what


def unresolved(value: Any) -> bool:
    """Whether a value is (or holds, at any depth) an expression the renderer could not resolve."""
    for item in as_list(value):
        if isinstance(item, dict) and any(unresolved(v) for v in item.values()):
            return True
        if isinstance(item, str) and _REFERENCE.search(item):
            return True
    return False


def dynamic_for_each(conf: dict[str, Any], key: str) -> str | None:
    """For a `dynamic "<key>"` block: "empty" (for_each is [] / {} / a set()), "unknown" (not
    resolved) or "some"; None when the resource has no such dynamic block."""
    for dynamic in conf.get("dynamic") or []:
        if not isinstance(dynamic, dict) or key not in dynamic:
            continue
        body = dynamic[key]
        each = body.get("for_each") if isinstance(body, dict) else None
        value = each[0] if isinstance(each, list) and len(each) == 1 else each
        if isinstance(value, (list, dict, set, tuple)):
            return "some" if value else "empty"
        return "unknown"
    return None


def present_blocks(conf: dict[str, Any], key: str) -> tuple[list[dict[str, Any]], str | None]:
    """The nested blocks named `key` that terraform would create, and why that is unknown.

    checkov expands a `dynamic` block's content as if it were written once, even when its
    for_each is empty: such a block is not there. With an unresolved for_each it may or may not
    be: the second item says so.
    """
    state = dynamic_for_each(conf, key)
    if state == "empty":
        return [], None
    if state == "unknown":
        return blocks(conf, key), f'dynamic "{key}" has a for_each that could not be resolved'
    return blocks(conf, key), None


def not_created(conf: dict[str, Any]) -> bool:
    """A resource whose count is 0 or whose for_each is empty: terraform creates no instance."""
    return presence(conf)[0] == ABSENT


PRESENT = "present"
ABSENT = "absent"
UNDECIDED = "undecided"


def presence(conf: dict[str, Any]) -> tuple[str, str]:
    """Whether terraform creates the block: PRESENT, ABSENT (count 0, empty for_each) or
    UNDECIDED (a count or for_each the renderer left unresolved), and why for the last."""
    if "count" in conf:
        count = first(conf, "count")
        if isinstance(count, bool):
            return UNDECIDED, f"count = {count} is not a number"
        if isinstance(count, (int, float)):
            return (ABSENT, "") if count == 0 else (PRESENT, "")
        if isinstance(count, str) and re.fullmatch(r"\s*\d+(\.0+)?\s*", count):
            return (ABSENT, "") if float(count) == 0 else (PRESENT, "")
        return UNDECIDED, f"count = {str(count)[:80]} could not be resolved"
    if "for_each" in conf:
        each = conf["for_each"]
        value = each[0] if isinstance(each, list) and len(each) == 1 else each
        if isinstance(value, (list, dict, set, tuple)):
            return (PRESENT, "") if value else (ABSENT, "")
        return UNDECIDED, f"for_each = {str(value)[:80]} could not be resolved"
    return PRESENT, ""
