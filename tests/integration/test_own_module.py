"""The README's "Testing your own module" example, run as written (keep the two in step)."""

import pytest

pytestmark = pytest.mark.integration


def test_bucket_module_blocks_public_access(terraform_root, account) -> None:
    bucket = terraform_root("modules/bucket", {"name": f"{account.project}-example"})
    assert bucket.outputs["id"] == f"{account.project}-example"
    (block,) = bucket.resources("aws_s3_bucket_public_access_block")
    flags = ("block_public_acls", "block_public_policy", "ignore_public_acls")
    assert all(block["values"][flag] for flag in (*flags, "restrict_public_buckets"))
    assert bucket.plan().is_empty, "a second plan of the module changes something"
