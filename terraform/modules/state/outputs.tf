output "bucket" {
  description = "State bucket."
  value       = module.bucket.id
}

output "lock_table" {
  description = "Lock table."
  value       = aws_dynamodb_table.lock.name
}
