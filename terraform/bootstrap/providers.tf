provider "aws" {
  region = var.region

  default_tags {
    tags = merge(
      {
        project     = var.project
        environment = "bootstrap"
        managed_by  = "terraform"
      },
      var.tags,
    )
  }
}
