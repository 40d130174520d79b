"""Every root of the template applied on the seeded account: idempotent, inventoried, locked.

Stages: deploy (apply), validate (second plan, inventory, remote state, lock), teardown
(the session's `stack` fixture destroys every applied root; see also test_teardown.py).
"""

from __future__ import annotations

import threading

import pytest
from tenacity import retry, retry_if_result, stop_after_delay, wait_fixed

from harness.errors import TerraformError
from harness.roots import ROOTS, root
from harness.stack import RootHandle, Stack
from harness.terraform import PlanSummary, Runner

pytestmark = pytest.mark.integration

ENVIRONMENTS = tuple(r.name for r in ROOTS)

# Resource counts per type that the template promises, read from the plan JSON.
INVENTORY: dict[str, dict[str, int]] = {
    "bootstrap": {"aws_s3_bucket": 1, "aws_dynamodb_table": 1},
    "global": {"aws_iam_role": 1, "aws_iam_instance_profile": 1, "aws_kms_key": 1},
    "staging": {
        "aws_autoscaling_group": 2,  # api + bastion
        "aws_launch_template": 2,
        "aws_lb": 1,
        "aws_lb_target_group": 1,
        "aws_lb_listener": 2,  # https forward + http redirect
        "aws_elasticache_replication_group": 1,
        "aws_cloudfront_distribution": 2,  # static + pictures
        "aws_kms_key": 1,  # pictures (CloudFront cannot use aws/s3)
        "aws_flow_log": 1,
        "aws_vpc_endpoint": 3,  # s3 gateway + autoscaling, kms interface
        "aws_autoscaling_policy": 0,  # one instance, CPU scaling off
    },
    "production": {
        "aws_autoscaling_group": 3,  # blue, green, bastion
        "aws_launch_template": 3,
        "aws_lb": 1,
        "aws_lb_target_group": 2,  # one per colour
        "aws_lb_listener": 2,
        "aws_lb_listener_rule": 2,  # X-Colour: blue / green
        "aws_elasticache_replication_group": 1,
        "aws_cloudfront_distribution": 2,
        "aws_kms_key": 1,
        "aws_flow_log": 1,
        "aws_vpc_endpoint": 3,
        "aws_autoscaling_policy": 2,  # CPU target tracking per colour
    },
}

_plans: dict[str, PlanSummary] = {}


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_deploy_environment_applies(
    request: pytest.FixtureRequest, stack: Stack, name: str
) -> None:
    """Stage deploy: the root's fixture applies it after what it depends on; state holds it."""
    handle: RootHandle = request.getfixturevalue(f"{name}_root")
    before = stack.applied[: stack.applied.index(name)]
    assert set(root(name).depends_on) <= set(before), f"{name} applied before its dependencies"
    assert handle.resources(), f"{root(name).path}: nothing in state after apply"


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_validate_second_plan_is_empty(stack: Stack, name: str) -> None:
    """Stage validate: planning again after the apply changes nothing (idempotency)."""
    stack.ensure(name)
    _plans[name] = stack.runner(name).assert_idempotent()


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_validate_plan_inventory(stack: Stack, name: str) -> None:
    """Stage validate: the plan holds the resources the template promises, per type."""
    plan = _plans.get(name) or stack.ensure(name).plan(name)
    counts = plan.counts
    wrong = {t: (counts.get(t, 0), n) for t, n in INVENTORY[name].items() if counts.get(t, 0) != n}
    assert not wrong, f"{root(name).path}: (planned, expected) per type: {wrong}"


@pytest.mark.parametrize("name", ["staging", "production"])
def test_validate_launch_templates_require_imdsv2(stack: Stack, name: str) -> None:
    """Every launch template: IMDSv2 only, hop limit 1, encrypted volumes (from the plan)."""
    plan = _plans.get(name) or stack.ensure(name).plan(name)
    templates = plan.values_of_type("aws_launch_template")
    assert templates, f"{root(name).path}: no launch templates planned"
    for address, values in templates.items():
        metadata = values["metadata_options"][0]
        assert metadata["http_tokens"] == "required", address
        assert metadata["http_put_response_hop_limit"] == 1, address
        for device in values["block_device_mappings"]:
            assert device["ebs"][0]["encrypted"] in (True, "true"), address


@pytest.mark.parametrize("name", ["global", "staging", "production"])
def test_validate_remote_state_in_state_bucket(stack: Stack, name: str) -> None:
    """Each environment's state object lands in the seeded state bucket."""
    stack.ensure(name)
    s3 = stack.account.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=stack.seed.state_bucket)["Contents"]]
    assert f"{name}/terraform.tfstate" in keys, keys


def test_validate_concurrent_apply_refused_by_lock(stack: Stack) -> None:
    """A second apply while one runs fails on the DynamoDB state lock."""
    stack.ensure("global")
    table, key = stack.seed.lock_table, f"{stack.seed.state_bucket}/global/terraform.tfstate"
    dynamodb = stack.account.client("dynamodb")
    first = threading.Thread(target=stack.apply, args=("global",))
    first.start()

    @retry(
        retry=retry_if_result(lambda held: not held),
        stop=stop_after_delay(60),
        wait=wait_fixed(0.2),
    )
    def lock_is_held() -> bool:
        return "Item" in dynamodb.get_item(TableName=table, Key={"LockID": {"S": key}})

    try:
        lock_is_held()
        second = Runner(root=stack.root("global"), env=stack.account.env)
        with pytest.raises(TerraformError, match="Error acquiring the state lock"):
            second.command("apply", "-auto-approve", "-input=false", "-lock-timeout=0s")
    finally:
        first.join()
