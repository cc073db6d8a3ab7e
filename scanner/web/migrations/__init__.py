"""Alembic revisions of the web application (branch label ``web``).

Alembic skips this file; it only makes the folder a package so it is installed.
"""
