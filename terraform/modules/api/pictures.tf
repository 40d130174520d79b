# Pictures the API stores; SSE-KMS with the AWS managed key, CORS limited to
# the application's own origins.
module "pictures" {
  source = "../bucket"

  name          = "${local.name}-pictures"
  force_destroy = var.force_destroy

  cors_rules = [
    {
      allowed_headers = ["*"]
      allowed_methods = ["GET", "HEAD", "PUT"]
      allowed_origins = var.cors_allowed_origins
      expose_headers  = ["ETag"]
      max_age_seconds = 3000
    },
  ]
}
