"""Admin of sensors: nothing to register yet."""
