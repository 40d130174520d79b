output "ami_id" {
  description = "AMI of the version this colour runs."
  value       = data.aws_ami.this.id
}

output "autoscaling_group_name" {
  description = "Autoscaling group of this colour."
  value       = aws_autoscaling_group.this.name
}

output "colour" {
  description = "Colour of this group."
  value       = var.colour
}

output "cpu_scaling_policy_arn" {
  description = "Target tracking policy on average CPU; null when enable_cpu_scaling is off."
  value       = one(aws_autoscaling_policy.cpu[*].arn)
}

output "launch_template_id" {
  description = "Launch template of this colour."
  value       = aws_launch_template.this.id
}

output "version_tag" {
  description = "Version this colour runs."
  value       = var.version_tag
}
