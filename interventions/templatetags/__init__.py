"""Template tags of interventions."""
