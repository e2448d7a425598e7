"""The atrisk application: composition root, settings, CLI, Slack app, scheduler, daily job.

Errors (``bot.errors``)::

    AtriskError                 expected; shown to a person, CLI exit code 2 unless said
    ├── SpecError               atrisk.yml is missing a field or has a bad value
    ├── SettingsError           the environment is missing or has a bad value
    └── RunFailed               a run started and failed (exit code 1)
"""
