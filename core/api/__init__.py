"""Pieces every JSON API in the project shares: the error shape, pagination, permissions."""
