"""Operator-runnable batches: a typed registry, run records with status and counts, the admin endpoints."""
