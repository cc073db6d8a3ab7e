"""cloudgov's checkov checks: loaded by checkov in its own process (never import from cloudgov)."""
