"""Scoring: point-in-time features, labels, training, calibration, SHAP reasons, registry, drift.

Errors (``scoring.errors``)::

    ScoringError               expected; a person can act on the message (exit code 2)
    ├── NotEnoughSignal        too few labels or positives to train (the audit says what is missing)
    ├── FeatureSpecError       a feature named in the spec or the table does not exist / is unusable
    └── ArtifactTampered       a stored model's SHA-256 does not match: it is refused
"""
