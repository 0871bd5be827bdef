"""REST API of interventions under /api/v1/."""
