"""Fixtures for the audit trail page: the overview pages' factory and signing in any role."""

from tests.web.overview.conftest import factory, signed_in

__all__ = ["factory", "signed_in"]
