"""REST API of the civic core under /api/v1/."""
