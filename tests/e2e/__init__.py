"""On PostgreSQL migrated by Alembic: migrations, error translation, availability."""
