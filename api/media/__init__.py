"""Stored images (normalised and encrypted photos and documents) and their validation."""
