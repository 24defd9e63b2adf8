"""Patient reminders: planning rows (plan.py), the outbox (outbox.py), channels, texts."""
