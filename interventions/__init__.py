"""Interventions: proposals, consultation, council decisions and before/after evaluation."""
