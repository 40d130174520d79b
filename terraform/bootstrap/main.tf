# One-time step per account: the state bucket and the lock table every
# environment's backend uses (the original created both by hand). Its own
# state stays local: keep terraform.tfstate safe or re-import if lost.

module "state" {
  source = "../modules/state"

  bucket_name     = "${var.project}-terraform-state"
  lock_table_name = "${var.project}-terraform-lock"
  force_destroy   = !var.deletion_protection
}
