"""The ephemeral AWS account: a moto server the harness owns (default) or a guarded real one.

One module per job: `core` (the Account, its names, tags and environment; opening and
attaching), `moto` (the emulator process and its shims), `guard` (the real-account opt-in
and STS check) and `seed` (the prerequisites a run needs). The names below are the public
ones: import them from `harness.account`.
"""

from __future__ import annotations

from harness.account.core import (
    CREATED_TAG,
    DEFAULT_REGION,
    ENVIRONMENTS,
    GLOBAL_REGION,
    INITIAL_VERSION,
    MOTO_ACCOUNT_ID,
    RUN_ID_TAG,
    Account,
    attach_moto,
    new_run_id,
    now_utc,
    open_account,
    project_name,
    start_moto,
    tag_list,
)
from harness.account.guard import (
    ACCOUNT_ID_VARIABLE,
    GUARD_BUDGET_SECONDS,
    aws_opt_in_missing,
    open_aws,
)
from harness.account.moto import SHIMS_VARIABLE, MotoServer, answering, free_port
from harness.account.seed import (
    DOMAIN_VARIABLE,
    SOURCE_AMIS_VAR,
    Seed,
    built_images,
    create_state_backend,
    create_zone,
    domain_for,
    import_certificates,
    publish_ami,
    published_amis,
    seed,
    self_signed_certificate,
)
from harness.errors import AccountError

__all__ = [
    "ACCOUNT_ID_VARIABLE",
    "CREATED_TAG",
    "DEFAULT_REGION",
    "DOMAIN_VARIABLE",
    "ENVIRONMENTS",
    "GLOBAL_REGION",
    "GUARD_BUDGET_SECONDS",
    "INITIAL_VERSION",
    "MOTO_ACCOUNT_ID",
    "RUN_ID_TAG",
    "SHIMS_VARIABLE",
    "SOURCE_AMIS_VAR",
    "Account",
    "AccountError",
    "MotoServer",
    "Seed",
    "answering",
    "attach_moto",
    "aws_opt_in_missing",
    "built_images",
    "create_state_backend",
    "create_zone",
    "domain_for",
    "free_port",
    "import_certificates",
    "new_run_id",
    "now_utc",
    "open_account",
    "open_aws",
    "project_name",
    "publish_ami",
    "published_amis",
    "seed",
    "self_signed_certificate",
    "start_moto",
    "tag_list",
]
