"""The example bureau generator (not part of the runtime package)."""
