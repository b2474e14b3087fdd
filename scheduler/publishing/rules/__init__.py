"""Publishing, step 1: the rules a post must pass at the moment it would go."""
