"""Releases and their assets (GitHub or a local directory), and announcements."""
