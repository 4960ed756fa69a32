import sys

from evroam_authorization.app import run

sys.exit(run())
