"""The launch's numbers: metric sources and polling, the fold of their samples, targets."""
