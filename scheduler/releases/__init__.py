"""Statistical releases: embargoes and their pre-release access lists."""
