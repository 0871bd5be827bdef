"""Models of priority: weights, scores and overrides (see the issue)."""
