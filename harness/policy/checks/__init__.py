"""Custom checkov checks of the policy catalogue, loaded by checkov with --external-checks-dir.

checkov imports every `.py` file here as a top-level module (this directory goes on sys.path),
so the files import each other by bare name (`from tpl_graph import Graph`):

- helpers, no checks: `tpl_values` (checkov's list-wrapped values), `tpl_iamdoc` (IAM
  documents: statements, principals, actions; which policies a role or bucket carries),
  `tpl_graph` (the resource graph view), `tpl_ingress` (security-group rules in one shape),
  `tpl_base` (the check base classes);
- checks, one file per catalogue area: `tpl_imds`, `tpl_cred`, `tpl_iam`, `tpl_network`,
  `tpl_storage`.
"""
