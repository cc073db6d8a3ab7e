import sys
from pathlib import Path

# the replay server helper lives beside the tests
sys.path.insert(0, str(Path(__file__).parent))
