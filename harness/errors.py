"""Every error the harness raises, and the exit code each one means (listed in the README).

The command line turns any failure into one line on stderr and one of these codes; 1 is kept
for findings, so a crash never reads as "the check found problems".
"""

from __future__ import annotations

OK = 0
FINDINGS = 1  # the check ran and found problems (policy findings, invalid roots, leftovers)
USAGE = 2  # bad arguments or input the harness cannot use, or an incomplete check (a policy scan
# that could not read a file or resolve a value)
REFUSED = 3  # a release step was refused (health gate, invariant); traffic stays as reported
LOCKED = 4  # another release of the same environment holds the lock
INFRASTRUCTURE = 5  # terraform, the account or a tool failed underneath the harness
INTERNAL = 70  # a bug in the harness itself (sysexits EX_SOFTWARE); the traceback goes to a log
INTERRUPTED = 130  # SIGINT (Ctrl-C)
TERMINATED = 143  # SIGTERM

EXIT_CODES: dict[int, str] = {
    OK: "success",
    FINDINGS: "findings: the check ran and found problems",
    USAGE: "usage or input error, or incomplete: bad arguments, an unreadable file, an unknown "
    "run, a policy scan that could not decide every check",
    REFUSED: "release refused: a health gate or the invariant stopped it",
    LOCKED: "another release of the environment holds the lock",
    INFRASTRUCTURE: "infrastructure error: terraform, the account or a tool failed",
    INTERNAL: "internal error in the harness (traceback written to a log)",
    INTERRUPTED: "interrupted (SIGINT)",
    TERMINATED: "terminated (SIGTERM)",
}


class HarnessError(Exception):
    """An error the command line reports as one line, with its own exit code."""

    exit_code = INFRASTRUCTURE


class UsageError(HarnessError):
    """Bad arguments or input: names the option, file or value at fault."""

    exit_code = USAGE


class HclError(UsageError):
    """A file could not be parsed as HCL."""


class TerraformError(HarnessError):
    """The terraform binary is missing or a terraform command failed.

    The message is one paragraph (terraform's own error summaries, the log's path); `output`
    keeps terraform's whole output for callers that name known causes.
    """

    def __init__(self, message: str, output: str = "", log: str | None = None) -> None:
        super().__init__(message)
        self.output = output
        self.log = log


class AccountError(HarnessError):
    """The account could not be opened, seeded or guarded (names the account or resource)."""


class ImageError(HarnessError):
    """A machine image could not be built or verified."""


class PackerError(HarnessError):
    """Packer is missing, a build failed, or its manifest lacks an image."""


class PolicyError(UsageError):
    """A policy scan could not run or read its input (names the path)."""


class ReleaseError(HarnessError):
    """A release step was refused or failed; traffic is left as the message says."""

    exit_code = REFUSED


class ReleaseLocked(ReleaseError):
    """Another release of the same environment is running."""

    exit_code = LOCKED


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like Ctrl-C, so `finally` blocks stop children and free locks."""
