"""The database: SQLAlchemy 2, SQLite by default, PostgreSQL (or any SQLAlchemy URL) by --db."""
