"""Resident surveys, including map questions, and the survey signal for challenges."""
