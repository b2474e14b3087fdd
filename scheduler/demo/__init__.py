"""The demo: seed an empty Gatepost with people, channels and a release-day thread."""
