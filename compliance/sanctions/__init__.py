"""Sanctions lists: reading the published files, storing them as list versions."""
