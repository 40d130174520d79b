output "ami_id" {
  description = "AMI the bastion boots."
  value       = data.aws_ami.this.id
}

output "autoscaling_group_name" {
  description = "Autoscaling group; set its desired capacity to 1 to open the bastion, 0 to close it."
  value       = aws_autoscaling_group.this.name
}

output "instance_profile_name" {
  description = "Bastion instance profile."
  value       = module.role.instance_profile_name
}

output "launch_template_id" {
  description = "Bastion launch template."
  value       = aws_launch_template.this.id
}

output "role_name" {
  description = "Bastion role."
  value       = module.role.role_name
}

output "security_group_id" {
  description = "Bastion security group (the API allows SSH from it)."
  value       = aws_security_group.this.id
}
