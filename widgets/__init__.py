"""Reusable widgets: they render what they are given and post messages; no business logic."""
