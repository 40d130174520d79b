"""The census: one record per resource and data source, for what checkov's JSON leaves out.

checkov drops a check's UNKNOWN result (a value it could not resolve) and reports resources
that are never created (count = 0, an empty for_each). The census check runs on every `aws_*`
block and always reports, with details the harness reads (harness.policy.checkov): the
built-in checks that apply to the block, so one that gave no result becomes an unknown,
whether terraform would create the block at all, and whether a built-in check that passes on a
connected block (a VPC's flow log) has only blocks terraform never creates (or may not) there.
"""

from __future__ import annotations

import json
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.data.registry import data_registry
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from checkov.terraform.checks.resource.registry import resource_registry
from tpl_graph import Graph, Vertex  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_iamdoc import module_dir, read_file_call  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_values import PRESENT, blocks, first, not_created, unresolved  # type: ignore[import-not-found]  # on sys.path in checkov

CENSUS_ID = "CKV_TPL_CENSUS"
ABSENT = "harness:census:absent"
APPLIES = "harness:census:applies:"
# The block's unresolved values are references to IAM documents or to other blocks' ARNs: the
# built-in IAM checks, silent here, judge those documents where they are written.
REFERENCES = "harness:census:references"
# An egress rule: checkov's ingress checks say nothing about it, rightly.
EGRESS = "harness:census:egress"
# "<prefix><check id>:<PASSED|FAILED>:<check name>": a built-in check's result on an IAM
# document the harness read from file()/templatefile(), which checkov leaves unread.
READ = "harness:census:read:"
# "<prefix><check id>:<absent|unknown>:<why>": a built-in check below passes on the existence
# of a connected block, and every such block is never created (absent) or may not be (unknown).
EVIDENCE = "harness:census:evidence:"
# Built-in checks satisfied by a connected block (checkov's `connection ... exists`): the
# checked type -> check id -> the evidence types. checkov counts a block with count = 0.
EVIDENCE_OF: dict[str, dict[str, tuple[str, ...]]] = {
    "aws_vpc": {
        "CKV2_AWS_11": ("aws_flow_log",),
        "CKV2_AWS_12": ("aws_default_security_group",),
    },
    "aws_s3_bucket": {
        "CKV2_AWS_6": ("aws_s3_bucket_public_access_block",),
        "CKV_AWS_145": ("aws_s3_bucket_server_side_encryption_configuration",),
    },
}
IAM_TYPES = (
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "aws_iam_policy_document",
)
_applies: dict[tuple[str, str], str] = {}


def _details(registry: Any, kind: str, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
    """The census details of one block: the checks that apply to its type, and absence."""
    key = (kind, type_)
    if key not in _applies:
        ids = sorted({c.id for c in registry.get_checks(type_) if c.id != CENSUS_ID})
        _applies[key] = APPLIES + ",".join(ids)
    details = [_applies[key]]
    vertices = graph.find(conf)
    # Its own count or for_each, or a module call's: a module with count = 0 creates nothing.
    if any(not graph.exists(v.index) for v in vertices) or (not vertices and not_created(conf)):
        details.append(ABSENT)
    if type_ in IAM_TYPES and _only_references(conf, graph):
        details.append(REFERENCES)
    if type_ == "aws_security_group_rule" and str(first(conf, "type")) == "egress":
        details.append(EGRESS)
    if type_ in IAM_TYPES and kind == "resource":
        details.extend(_read_document_results(registry, type_, conf, graph))
    details.extend(_evidence(type_, conf, graph))
    return details


def _evidence(type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
    """For each built-in check of EVIDENCE_OF: whether its connected evidence is only blocks
    terraform never creates (its pass is void) or may not create (its pass is unknown)."""
    out = []
    for check, types in EVIDENCE_OF.get(type_, {}).items():
        if check == "CKV_AWS_145" and blocks(conf, "server_side_encryption_configuration"):
            continue  # the bucket's own (legacy) block is evidence enough
        linked = [c for v in graph.find(conf) for c in graph.connected(v, types)]
        if not linked or any(graph.presence(c)[0] == PRESENT for c in linked):
            continue
        doubts = sorted({d for d in (graph.doubt(c) for c in linked) if d})
        if doubts:
            out.append(f"{EVIDENCE}{check}:unknown:" + "; ".join(doubts))
        else:
            names = ", ".join(sorted({c.address for c in linked}))
            out.append(
                f"{EVIDENCE}{check}:absent:{names} is never created (count = 0 or an empty "
                "for_each): no evidence"
            )
    return out


def _read_document_results(
    registry: Any, type_: str, conf: dict[str, Any], graph: Graph
) -> list[str]:
    """The built-in checks run again on a policy read from file()/templatefile(): checkov
    sees only the call, the checks see the document terraform would send."""
    vertices: list[Vertex] = graph.find(conf)
    if not vertices or "policy" not in conf:
        return []
    text = read_file_call(conf["policy"], module_dir(vertices[0]))
    try:
        document = json.loads(text) if text is not None else None
    except ValueError:
        document = None
    if not isinstance(document, dict):
        return []
    resolved = {**conf, "policy": [document]}
    entity = f"harness:read:{vertices[0].attr.get('file_path_', '')}:{vertices[0].address}"
    results = []
    for check in registry.get_checks(type_):
        if check.id == CENSUS_ID or check.id.startswith("CKV_TPL_"):
            continue  # the project's own checks read files themselves
        # Some checks cache per entity_path and read entity_type: give them this block's.
        saved = (check.entity_path, check.entity_type)
        check.entity_path, check.entity_type = entity, type_
        try:
            result = check.scan_resource_conf(resolved)
        except Exception:  # a check that cannot read it leaves the result unknown
            continue
        finally:
            check.entity_path, check.entity_type = saved
        name = getattr(result, "name", "")
        if name in ("PASSED", "FAILED"):
            results.append(f"{READ}{check.id}:{name}:{check.name}")
    return results


def _only_references(conf: dict[str, Any], graph: Graph) -> bool:
    """Whether every unresolved attribute of an IAM block reaches blocks through the graph:
    documents (checked where written) or resources (an ARN is never the literal "*")."""
    # Only the document's own values: a name or description is no IAM check's business.
    keys = [k for k in ("policy", "statement") if unresolved(conf.get(k))]
    vertices: list[Vertex] = graph.find(conf)
    if not keys or not vertices:
        return False
    for key in keys:
        reached = [t for v in vertices for t in graph.through_variables(v, key)]
        if not reached:
            return False
        if key != "statement" and any(t.type != "aws_iam_policy_document" for t in reached):
            return False
    return True


class ResourceCensus(BaseResourceCheck):
    """Reports every aws_* resource (always FAILED: checkov keeps details of failures)."""

    def __init__(self) -> None:
        super().__init__(
            name="harness census (not a policy)",
            id=CENSUS_ID,
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=("aws_*",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        """Record the block; the result is read by the harness, never shown as a finding."""
        graph = Graph.shared(self.graph, self.entity_path.rsplit(":", 2)[0])
        self.details.extend(_details(resource_registry, "resource", self.entity_type, conf, graph))
        return CheckResult.FAILED


class DataCensus(BaseDataCheck):
    """The data-source twin of ResourceCensus."""

    def __init__(self) -> None:
        super().__init__(
            name="harness census (not a policy)",
            id=CENSUS_ID,
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_data=("aws_*",),
        )

    def scan_data_conf(self, conf: dict[str, Any]) -> CheckResult:
        """Record the data source."""
        graph = Graph.shared(self.graph, self.entity_path.rsplit(":", 2)[0])
        self.details.extend(_details(data_registry, "data", self.entity_type, conf, graph))
        return CheckResult.FAILED


resources = ResourceCensus()
data = DataCensus()
