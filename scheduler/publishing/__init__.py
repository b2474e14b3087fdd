"""Publishing: the rules checked at the moment of publishing, the worker, and admin overrides."""
