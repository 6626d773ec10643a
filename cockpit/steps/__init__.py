"""Step kinds: one module per kind, behind one protocol, registered in one place."""
