"""Feedback: what a CSM did with an alert, and what happened to the account afterwards."""
