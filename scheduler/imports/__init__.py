"""Imports: a release-day thread read from a file, checked, then saved all or none."""
