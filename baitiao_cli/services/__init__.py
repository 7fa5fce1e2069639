"""Use cases: one function per job; each loads through io, runs the engine, returns plain results."""
