"""Per-organisation event streams, the events socket and the in-process fan-out (below messaging)."""
