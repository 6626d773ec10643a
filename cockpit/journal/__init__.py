"""The journal: an append-only SQLite record of every fact, and its typed events."""
