# Every validation of this module's variables: one run per rule whose bad value
# breaks that rule alone, and a run with good values. Plans against a mocked
# provider: no account, no credentials.

mock_provider "aws" {
  source = "../../testing/aws"
}

variables {
  name                        = "myapp-pictures"
  description                 = "Pictures"
  bucket_arn                  = "arn:aws:s3:::myapp-pictures"
  bucket_regional_domain_name = "myapp-pictures.s3.eu-west-1.amazonaws.com"
  certificate_arn             = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  hostname                    = "pictures.example.com"
  zone_id                     = "Z0000000000000000000"
}

run "good_values" {
  command = plan

  variables {
    price_class = "PriceClass_200"
  }
}

run "bucket_arn_must_be_a_bucket_arn" {
  command = plan

  variables {
    bucket_arn = "arn:aws:s3:::myapp-pictures/*"
  }

  expect_failures = [var.bucket_arn]
}

run "certificate_arn_must_be_in_us_east_1" {
  command = plan

  variables {
    certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  }

  expect_failures = [var.certificate_arn]
}

run "name_1_to_64_characters" {
  command = plan

  variables {
    name = ""
  }

  expect_failures = [var.name]
}

run "price_class_must_be_a_cloudfront_class" {
  command = plan

  variables {
    price_class = "PriceClass_300"
  }

  expect_failures = [var.price_class]
}
