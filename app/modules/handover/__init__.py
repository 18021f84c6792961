"""Handover checklists: items the leaver and the receiver each sign."""
