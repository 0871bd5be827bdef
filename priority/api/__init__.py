"""API of priority under /api/v1/priority/."""
