"""Presentation helpers: local times, navigation, QR codes, GOV.UK Frontend assets, shared pages."""
