"""The pure engine: plain frozen data in, plain data out. Imports nothing from io/cli."""
