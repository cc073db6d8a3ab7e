"""Alembic revisions of the vendor register (branch label ``vendor_dd``).

Alembic skips this file; it only makes the folder a package so it is installed.
"""
