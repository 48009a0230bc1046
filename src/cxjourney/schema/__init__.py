"""Pydantic contracts shared across packages."""
