"""Value helpers for the custom checks: unwrap checkov's list-wrapped attribute values.

Checkov hands a resource's attributes over as 1-item lists (`{"name": ["api"]}`) and nested
blocks as lists of dicts; these helpers read them as plain values, blocks and string lists.

Like every `tpl_*.py` file this runs inside checkov's own process (loaded through
--external-checks-dir, which puts this directory on sys.path), so it imports only the standard
library.
"""

from __future__ import annotations

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
