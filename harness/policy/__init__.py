"""The policy suite: the catalogue, checkov with the project's custom checks, and reports."""

from harness.errors import PolicyError
from harness.policy.catalogue import CATALOGUE, Policy
from harness.policy.findings import Finding, ScanResult
from harness.policy.scan import scan

__all__ = ["CATALOGUE", "Finding", "Policy", "PolicyError", "ScanResult", "scan"]
