output "instance_profile_arn" {
  description = "Instance profile ARN."
  value       = aws_iam_instance_profile.this.arn
}

output "instance_profile_name" {
  description = "Instance profile name (for launch templates and Packer)."
  value       = aws_iam_instance_profile.this.name
}

output "role_arn" {
  description = "Role ARN."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Role name."
  value       = aws_iam_role.this.name
}
