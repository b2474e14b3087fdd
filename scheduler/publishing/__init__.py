"""Publishing: rules checked at the moment of publishing, the worker, and people's interventions."""
