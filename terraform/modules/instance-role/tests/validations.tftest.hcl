# Every validation of this module's variables: one run per rule whose bad value
# breaks that rule alone, and a run with good values. Plans against a mocked
# provider: no account, no credentials.

mock_provider "aws" {
  source = "../../testing/aws"
}

variables {
  name        = "myapp-api"
  description = "API instances"
  policy_json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
}

run "good_values" {
  command = plan
}

run "name_iam_characters_only" {
  command = plan

  variables {
    name = "myapp api"
  }

  expect_failures = [var.name]
}
