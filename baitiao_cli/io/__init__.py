"""The imperative shell's I/O: config, loaders with validation, atomic writes, journals."""
