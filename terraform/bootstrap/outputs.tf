output "backend_config" {
  description = "Contents for each environment's backend.hcl."
  value       = <<-EOT
    bucket         = "${module.state.bucket}"
    region         = "${var.region}"
    dynamodb_table = "${module.state.lock_table}"
  EOT
}

output "bucket" {
  description = "State bucket."
  value       = module.state.bucket
}

output "lock_table" {
  description = "Lock table."
  value       = module.state.lock_table
}
