"""Evidence-based priority of challenges: criteria, weights, scores, overrides and the ranking."""
