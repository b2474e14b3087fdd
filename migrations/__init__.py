"""Alembic migrations of Gatepost's schema."""
