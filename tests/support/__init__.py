"""Helpers shared by tests and by developers' checks (not part of the installed package)."""
