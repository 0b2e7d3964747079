"""Webhooks: signed HTTP callbacks when an analysis completes or a process
goes out of control, delivered from a persisted outbox with retries."""
