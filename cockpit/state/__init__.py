"""Pure folds of the journal: launch runs, builds, the timeline, gates, the launch record."""
