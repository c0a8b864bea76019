"""Municipalities: the tenants of the service."""
