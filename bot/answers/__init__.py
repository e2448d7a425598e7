"""Answers to questions asked in Slack (``/atrisk``, App Home), scoped to the person asking."""
