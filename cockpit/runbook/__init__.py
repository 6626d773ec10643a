"""The runbook as data: timeline items, playbooks, templates, and their loader."""
