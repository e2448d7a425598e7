"""Slack: the alert message (pure Block Kit rendering), the Web API client, and posting.

``blocks`` renders an alert from values only; ``outbox`` posts pending alerts through a
``WebClient`` (or, without a bot token, writes the exact payloads to the outbox folder);
``ops`` tells the ops channel about a failure once per cause.
"""
