"""Presenters: turn a service's plain result into tables, JSON objects and CSV rows."""
