# Role + instance profile for EC2 instances, with the credential guard
# (CRED-01): credentials taken from the instance metadata service only work
# from the instance's own VPC and private IPv4 address. Every role that EC2 can
# assume in this template is built here, so the guard exists exactly once.

resource "aws_iam_role" "this" {
  name                 = var.name
  description          = var.description
  max_session_duration = 3600

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AllowEc2"
        Effect    = "Allow"
        Action    = "sts:AssumeRole"
        Principal = { Service = "ec2.amazonaws.com" }
      },
    ]
  })
}

# CRED-01. The guards keep the Deny to calls made with the instance's own
# credentials (ec2:SourceInstanceARN present) and out of calls that AWS
# services make on the role's behalf (aws:ViaAWSService), e.g. S3 calling KMS.
resource "aws_iam_role_policy" "credential_guard" {
  name = "credential-guard"
  role = aws_iam_role.this.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "DenyCredentialsOutsideSourceVpc"
        Effect   = "Deny"
        Action   = "*"
        Resource = "*"
        Condition = {
          StringNotEquals = { "aws:ec2InstanceSourceVPC" = "$${aws:SourceVpc}" }
          Null            = { "ec2:SourceInstanceARN" = "false" }
          BoolIfExists    = { "aws:ViaAWSService" = "false" }
        }
      },
      {
        Sid      = "DenyCredentialsOutsideSourceIp"
        Effect   = "Deny"
        Action   = "*"
        Resource = "*"
        Condition = {
          StringNotEquals = { "aws:ec2InstanceSourcePrivateIPv4" = "$${aws:VpcSourceIp}" }
          Null            = { "ec2:SourceInstanceARN" = "false" }
          BoolIfExists    = { "aws:ViaAWSService" = "false" }
        }
      },
    ]
  })
}

resource "aws_iam_role_policy" "this" {
  name   = "permissions"
  role   = aws_iam_role.this.id
  policy = var.policy_json
}

resource "aws_iam_instance_profile" "this" {
  name = var.name
  role = aws_iam_role.this.name
}
