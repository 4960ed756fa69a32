"""`python -m evroam_devstack` is the `evroam-devstack` command."""

import sys

from evroam_devstack.cli import main

sys.exit(main())
