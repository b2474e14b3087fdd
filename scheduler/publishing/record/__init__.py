"""Publishing, step 4: record what happened, and recover what a dead worker left."""
