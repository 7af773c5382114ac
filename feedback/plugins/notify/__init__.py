"""Notifications: carries out the messages any capability asks for (feedback.messages) by SMS and
e-mail, written to an outbox in the same transaction as the change that causes them, and sent by
background jobs exactly once per idempotency key."""
