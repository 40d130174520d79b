# Public subnets hold the ALB, the NAT gateways and the on-demand bastion
# (and, where public_subnet_tags marks them Class = build, Packer's build
# instances). Nothing gets a public IPv4 address by default: the bastion and
# the build instances ask for one on their own network interface.
resource "aws_subnet" "public" {
  for_each = local.azs

  vpc_id                          = aws_vpc.this.id
  availability_zone               = each.key
  cidr_block                      = cidrsubnet(var.cidr_block, var.subnet_newbits, each.value)
  ipv6_cidr_block                 = cidrsubnet(aws_vpc.this.ipv6_cidr_block, 8, each.value)
  assign_ipv6_address_on_creation = false
  map_public_ip_on_launch         = false

  tags = merge(var.public_subnet_tags, { Name = "${local.name}-public-${each.key}", tier = "public" })
}

resource "aws_subnet" "private" {
  for_each = local.azs

  vpc_id                          = aws_vpc.this.id
  availability_zone               = each.key
  cidr_block                      = cidrsubnet(var.cidr_block, var.subnet_newbits, local.private_offset + each.value)
  ipv6_cidr_block                 = cidrsubnet(aws_vpc.this.ipv6_cidr_block, 8, 128 + each.value)
  assign_ipv6_address_on_creation = false
  map_public_ip_on_launch         = false

  tags = { Name = "${local.name}-private-${each.key}", tier = "private" }
}

resource "aws_eip" "nat" {
  for_each = local.nat_azs

  domain = "vpc"

  tags = { Name = "${local.name}-nat-${each.key}" }

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  for_each = local.nat_azs

  allocation_id = aws_eip.nat[each.key].id
  subnet_id     = aws_subnet.public[each.key].id

  tags = { Name = "${local.name}-${each.key}" }

  depends_on = [aws_internet_gateway.this]
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${local.name}-public" }
}

resource "aws_route" "public_ipv4" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route" "public_ipv6" {
  route_table_id              = aws_route_table.public.id
  destination_ipv6_cidr_block = "::/0"
  gateway_id                  = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  for_each = local.azs

  subnet_id      = aws_subnet.public[each.key].id
  route_table_id = aws_route_table.public.id
}

# One private route table per AZ, so each AZ can use its own NAT gateway.
resource "aws_route_table" "private" {
  for_each = local.azs

  vpc_id = aws_vpc.this.id

  tags = { Name = "${local.name}-private-${each.key}" }
}

resource "aws_route" "private_ipv4" {
  for_each = local.azs

  route_table_id         = aws_route_table.private[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.single_nat_gateway ? keys(local.nat_azs)[0] : each.key].id
}

resource "aws_route" "private_ipv6" {
  for_each = local.azs

  route_table_id              = aws_route_table.private[each.key].id
  destination_ipv6_cidr_block = "::/0"
  egress_only_gateway_id      = aws_egress_only_internet_gateway.this.id
}

resource "aws_route_table_association" "private" {
  for_each = local.azs

  subnet_id      = aws_subnet.private[each.key].id
  route_table_id = aws_route_table.private[each.key].id
}
