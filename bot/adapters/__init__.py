"""Adapters behind the ports: the Slack Web API (slack_sdk) and the dry-run outbox folder."""
