"""Publishing, step 3: send claimed units through their adapters on paced lanes."""
