"""Delivering to Slack through the Slack port: the alert outbox, ops notices, channel history."""
