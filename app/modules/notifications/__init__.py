"""Notifications: an in-app inbox and e-mail in the recipient's language."""
