data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_region" "current" {}

locals {
  name = "${var.project}-${var.environment}"

  # AZ name -> index, stable: the index only decides the CIDR slice.
  azs = {
    for index, az in(length(var.availability_zones) > 0
      ? var.availability_zones
    : slice(sort(data.aws_availability_zones.available.names), 0, var.az_count)) : az => index
  }

  # Private subnets take the upper half of the subnet index space.
  private_offset = pow(2, var.subnet_newbits - 1)

  nat_azs = var.single_nat_gateway ? { (keys(local.azs)[0]) = 0 } : local.azs
}

resource "aws_vpc" "this" {
  cidr_block                       = var.cidr_block
  assign_generated_ipv6_cidr_block = true
  enable_dns_support               = true
  enable_dns_hostnames             = true

  tags = { Name = local.name }
}

# Locked default security group (NET-05): no rules at all, so nothing that
# falls back to it can talk to anything.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${local.name}-default-locked" }
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = local.name }
}

resource "aws_egress_only_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = local.name }
}
