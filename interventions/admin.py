"""Admin of interventions: nothing to register yet."""
