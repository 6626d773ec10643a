"""The `cockpit` command: one module per subcommand."""
