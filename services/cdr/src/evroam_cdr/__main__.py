import sys

from evroam_cdr.app import run

sys.exit(run())
