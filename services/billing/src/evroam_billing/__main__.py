import sys

from evroam_billing.app import run

sys.exit(run())
