"""Gatepost's domain: models, clearance and publishing rules, the worker, platform adapters."""
