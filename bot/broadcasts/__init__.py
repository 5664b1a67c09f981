"""Broadcasts: reminders to many people, on schedule, through a durable delivery queue."""

# The roles a person can have (segments filter on them).
ROLES = ("citizen", "volunteer", "admin")
