"""Alembic revisions of exit plans (branch label ``exit_plans``).

Alembic skips this file; it only makes the folder a package so it is installed.
"""
