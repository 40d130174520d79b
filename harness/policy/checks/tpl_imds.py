"""IMDS-01 (tokens required, read as terraform would) and IMDS-02 (hop limit set to 1)."""

from __future__ import annotations

from typing import Any

from tpl_base import TplCheck  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_graph import Graph  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_values import first, present_blocks, unknown, unresolved  # type: ignore[import-not-found]  # on sys.path in checkov

IMDS_TYPES = ("aws_launch_template", "aws_instance", "aws_launch_configuration")


def _option(conf: dict[str, Any], key: str, wanted: str) -> list[str]:
    """Problems with metadata_options.<key> (must be `wanted`); unknown when unresolved."""
    options, doubt = present_blocks(conf, "metadata_options")
    if doubt:
        return [unknown(doubt)]
    if not options:
        return [f"no metadata_options block: set {key} = {wanted}"]
    value = first(options[0], key)
    if value is None:
        return [f"metadata_options.{key} is omitted: set it to {wanted}"]
    if unresolved(value):
        return [unknown(f"metadata_options.{key} = {str(value)[:80]} could not be resolved")]
    if str(value) != wanted:
        return [f"metadata_options.{key} is {value}, must be {wanted}"]
    return []


class ImdsTokens(TplCheck):
    """CKV_AWS_79 counts a dynamic block with an empty for_each as present and says nothing
    about an unresolved value; this check reads both as terraform would."""

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_IMDS_TOKENS",
            "Instance metadata requires session tokens (IMDSv2)",
            IMDS_TYPES,
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Fail unless metadata_options.http_tokens is "required"."""
        return _option(conf, "http_tokens", "required")


class ImdsHopLimit(TplCheck):
    """CKV_AWS_341 passes an omitted hop limit; this check wants it written down as 1."""

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_IMDS_HOP_LIMIT",
            "Instance metadata hop limit is set explicitly to 1",
            IMDS_TYPES,
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Fail unless metadata_options.http_put_response_hop_limit is exactly 1."""
        return _option(conf, "http_put_response_hop_limit", "1")


tokens = ImdsTokens()
check = ImdsHopLimit()
