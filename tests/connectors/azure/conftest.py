"""Make the recorded-tenant helpers importable as ``azure_recorded`` (the suite runs with
``--import-mode=importlib``, which puts no test directory on sys.path, and a package here
would shadow the real ``azure`` namespace)."""

import importlib.util
import sys
from pathlib import Path

if "azure_recorded" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("azure_recorded", Path(__file__).with_name("azure_recorded.py"))
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["azure_recorded"] = _module
    _spec.loader.exec_module(_module)
