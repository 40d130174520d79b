resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  # Weighted across the colours: the release tool moves traffic by changing
  # the weights (production's colours variable), never by re-attaching groups.
  default_action {
    type = "forward"

    forward {
      dynamic "target_group" {
        for_each = var.colours

        content {
          arn    = aws_lb_target_group.this[target_group.key].arn
          weight = target_group.value.weight
        }
      }
    }
  }
}

# X-Colour: <colour> reaches that colour whatever its weight, so the idle
# colour can be tried before it takes traffic.
resource "aws_lb_listener_rule" "colour" {
  for_each = var.colours

  listener_arn = aws_lb_listener.https.arn
  priority     = index(sort(keys(var.colours)), each.key) + 10

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[each.key].arn
  }

  condition {
    http_header {
      http_header_name = "X-Colour"
      values           = [each.key]
    }
  }

  tags = { colour = each.key }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}
