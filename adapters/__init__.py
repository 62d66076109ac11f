"""Adapters: everything that touches I/O or a framework, implementing the core's ports."""
