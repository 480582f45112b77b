"""Notifications: Web Push to people's devices when a message is posted (docs/notifications.md)."""
