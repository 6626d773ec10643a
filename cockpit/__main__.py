from cockpit.cli.main import entry

entry()
