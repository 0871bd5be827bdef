"""Adapters from device formats to native reading records ({quantity, observed_at, value})."""
