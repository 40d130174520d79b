"""IMDS-02: the metadata hop limit is set explicitly to 1."""

from __future__ import annotations

from typing import Any

from tpl_base import TplCheck  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_graph import Graph  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_values import blocks, first  # type: ignore[import-not-found]  # on sys.path in checkov


class ImdsHopLimit(TplCheck):
    """CKV_AWS_341 passes an omitted hop limit; this check wants it written down as 1."""

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_IMDS_HOP_LIMIT",
            "Instance metadata hop limit is set explicitly to 1",
            ("aws_launch_template", "aws_instance", "aws_launch_configuration"),
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Fail unless metadata_options.http_put_response_hop_limit is exactly 1."""
        options = blocks(conf, "metadata_options")
        if not options:
            return ["no metadata_options block: set http_put_response_hop_limit = 1"]
        limit = first(options[0], "http_put_response_hop_limit")
        if limit is None:
            return ["metadata_options.http_put_response_hop_limit is omitted: set it to 1"]
        if str(limit) != "1":
            return [f"metadata_options.http_put_response_hop_limit is {limit}, must be 1"]
        return []


check = ImdsHopLimit()
