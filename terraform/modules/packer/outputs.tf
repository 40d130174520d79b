output "build_instance_profile_name" {
  description = "Instance profile Packer gives its build instances (iam_instance_profile)."
  value       = module.build_role.instance_profile_name
}

output "build_role_arn" {
  description = "Role of the build instances."
  value       = module.build_role.role_arn
}

output "build_role_name" {
  description = "Role of the build instances."
  value       = module.build_role.role_name
}

output "runner_policy_arn" {
  description = "Managed policy to attach to the identity that runs Packer."
  value       = aws_iam_policy.runner.arn
}
