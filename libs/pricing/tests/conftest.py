"""Makes `pricing_support` importable by the tests under any pytest import mode (the root
config uses importlib mode, which leaves sys.path alone)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
