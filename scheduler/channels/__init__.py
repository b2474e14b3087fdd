"""Channels: accounts on platforms, twins, owners, access lists, options, quiet periods."""
