"""Connectors: collection (I/O) apart from normalization (pure functions over raw payloads)."""
