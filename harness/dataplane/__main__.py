"""`python -m harness.dataplane`: the data plane loop (started by the moto server)."""

import sys

from harness.dataplane.serve import main

sys.exit(main())
