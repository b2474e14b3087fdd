"""The worker around the pass: its runtime, service jobs, heartbeat and start-up."""
