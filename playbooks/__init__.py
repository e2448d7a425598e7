"""Playbooks: the YAML library of customer-success actions and the engine that picks them.

Errors (``playbooks.errors``)::

    PlaybookError              expected (exit code 2)
    └── LibraryInvalid         a playbook file is broken: names the file, the playbook id, the field
"""
