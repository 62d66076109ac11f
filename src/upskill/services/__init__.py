"""Use cases: the generic CRUD service and the named services with real rules."""
