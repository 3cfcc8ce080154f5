"""Monitor events: pipeline status snapshots and cluster health rounds (spec §6.1, §6.2)."""
