"""Broadcasts: reminders to many people, on schedule, through a durable delivery queue."""
