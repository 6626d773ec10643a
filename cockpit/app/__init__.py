"""The Textual app: the composition root that wires the core to the screens."""
