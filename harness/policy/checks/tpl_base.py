"""Base class of the custom checks: a resource check that can read the whole checkov graph."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from tpl_graph import Graph  # type: ignore[import-not-found]  # on sys.path in checkov


class TplCheck(BaseResourceCheck):
    """A resource check whose `evaluate` returns failure messages (empty: passed)."""

    def __init__(self, id: str, name: str, resources: Iterable[str]) -> None:
        super().__init__(
            name=name,
            id=id,
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=tuple(resources),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        """Run `evaluate` and report its messages as details."""
        # entity_path is "<scanned file>:<type>:<name>"; the file tells same-named blocks apart.
        scanned_file = self.entity_path.rsplit(":", 2)[0]
        problems = self.evaluate(self.entity_type, conf, Graph.shared(self.graph, scanned_file))
        self.details.extend(problems)
        return CheckResult.FAILED if problems else CheckResult.PASSED

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """What is wrong with this resource (one message per problem)."""
        raise NotImplementedError


class TplDataCheck(BaseDataCheck):
    """The data-source twin of TplCheck."""

    def __init__(self, id: str, name: str, data: Iterable[str]) -> None:
        super().__init__(
            name=name,
            id=id,
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_data=tuple(data),
        )

    def scan_data_conf(self, conf: dict[str, Any]) -> CheckResult:
        """Run `evaluate` and report its messages as details."""
        problems = self.evaluate(conf)
        self.details.extend(problems)
        return CheckResult.FAILED if problems else CheckResult.PASSED

    def evaluate(self, conf: dict[str, Any]) -> list[str]:
        """What is wrong with this data source (one message per problem)."""
        raise NotImplementedError
