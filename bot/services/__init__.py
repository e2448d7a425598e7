"""Application services: the use cases the CLI, the Slack app and the scheduler call."""
