import sys

from evroam_roaming.app import run

sys.exit(run())
