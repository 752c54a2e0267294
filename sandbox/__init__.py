"""Local replicas of the resale marketplaces, serving a simulated market (for tests and demos)."""
