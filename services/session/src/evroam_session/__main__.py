import sys

from evroam_session.app import run

sys.exit(run())
