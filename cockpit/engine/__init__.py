"""The engine: runs a playbook's steps, plans them, checks them before a launch."""
