"""The build matrix: targets on builders, stage by stage, into the dist directory."""
