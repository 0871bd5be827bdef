"""Admin of surveys: nothing to register yet."""
