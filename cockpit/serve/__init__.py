"""The read-only cockpit served to teammates elsewhere: over SSH and in a browser."""
