# Private zone <environment>.internal.<domain>, resolvable only inside the VPC.
resource "aws_route53_zone" "private" {
  name          = "${var.environment}.internal.${var.domain}"
  comment       = "Private names of ${local.name}"
  force_destroy = var.force_destroy

  vpc {
    vpc_id = aws_vpc.this.id
  }
}
