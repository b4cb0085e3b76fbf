"""The accounts API: tokens, users and roles, the audit log."""
