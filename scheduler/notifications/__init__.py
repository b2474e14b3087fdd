"""Notifications: made from the audit trail, read in the app, sent by e-mail."""
