"""Gatepost's settings: defaults, the TOML file named by GATEPOST_CONFIG, then environment."""

from config.settings import Settings, SettingsError, load_settings

__all__ = ["Settings", "SettingsError", "load_settings"]
