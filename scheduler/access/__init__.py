"""Access: the one answer to 'may this person see or do this', and the actions offered."""
