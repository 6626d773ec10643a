"""The self-contained demo release (a real crate, git, a local forge)."""
