"""Notifications: SMS and e-mail at every step, written to an outbox in the same transaction as
the change that causes them, and sent by background jobs exactly once per idempotency key."""
