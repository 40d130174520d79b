"""Custom checkov checks of the policy catalogue, loaded by checkov with --external-checks-dir."""
