"""Local emulators of Mastodon, Bluesky and X for adapter tests: real HTTP on 127.0.0.1."""
