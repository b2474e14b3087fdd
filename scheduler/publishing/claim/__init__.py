"""Publishing, step 2: claim due posts under a lease, and hold what may not go."""
