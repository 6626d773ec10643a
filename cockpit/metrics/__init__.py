"""The launch's numbers: sources and their poller (journaling samples), the fold, targets."""
