"""The control catalogue and the policies, as data plus small pure predicates."""
