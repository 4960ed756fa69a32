import sys

from evroam_gateway.app import run

sys.exit(run())
