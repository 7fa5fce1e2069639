"""The thin command-line layer: one module per command, registered in ``app``."""
