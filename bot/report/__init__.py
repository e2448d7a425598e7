"""The adoption-rate report: is the loop used, do the playbooks work, is the model still good."""
