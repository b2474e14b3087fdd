"""Tests of the platform emulators in tests/support/emulators."""
