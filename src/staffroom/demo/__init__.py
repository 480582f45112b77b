"""The demo trust of DESIGN.md (above every app: it builds its school through their actions)."""
