"""One Textual screen per cockpit mode, plus the modals they open."""
