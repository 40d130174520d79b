provider "aws" {
  region = var.region

  default_tags {
    tags = merge(
      {
        project     = var.project
        environment = "staging"
        managed_by  = "terraform"
      },
      var.tags,
    )
  }
}

# CloudFront certificates live in us-east-1.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = merge(
      {
        project     = var.project
        environment = "staging"
        managed_by  = "terraform"
      },
      var.tags,
    )
  }
}
