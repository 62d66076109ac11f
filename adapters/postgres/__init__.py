"""PostgreSQL adapter: tables, generic repository, unit of work, migrations, error translation."""
