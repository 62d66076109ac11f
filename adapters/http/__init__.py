"""The HTTP adapter: the FastAPI app factory, the generic CRUD router, problem details,
middleware, logging and health. It knows the core and the settings, never a storage adapter."""
