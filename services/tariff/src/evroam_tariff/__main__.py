import sys

from evroam_tariff.app import run

sys.exit(run())
