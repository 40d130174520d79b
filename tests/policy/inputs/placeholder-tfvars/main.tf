# A bad launch template beside a tfvars file still holding its placeholder: the template is
# reported, the tfvars is named with its line and column, and the scan is incomplete (exit 2).
resource "aws_launch_template" "api" {
  name_prefix = "api-"
  metadata_options {
    http_tokens                 = "optional"
    http_put_response_hop_limit = 1
  }
  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      encrypted = true
    }
  }
}
