"""Benchmarks of Upskill against a bare floor app (see README.md)."""
