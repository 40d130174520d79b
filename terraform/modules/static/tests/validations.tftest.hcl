# Every validation of this module's variables: one run per rule whose bad value
# breaks that rule alone, and a run with good values. Plans against a mocked
# provider: no account, no credentials.

mock_provider "aws" {
  source = "../../testing/aws"
}

mock_provider "aws" {
  alias  = "us_east_1"
  source = "../../testing/aws"
}

variables {
  project     = "myapp"
  environment = "staging"
  domain      = "example.com"
  hostname    = "static.example.com"
  zone_id     = "Z0000000000000000000"
}

run "good_values" {
  command = plan

  variables {
    price_class = "PriceClass_All"
  }
}

run "price_class_must_be_a_cloudfront_class" {
  command = plan

  variables {
    price_class = "PriceClass_300"
  }

  expect_failures = [var.price_class]
}
