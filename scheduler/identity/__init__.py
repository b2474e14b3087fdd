"""Identity: accounts, passwords, sign-in and its throttle, two-factor, API tokens."""
