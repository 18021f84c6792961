"""The alumni archive: frozen employment records, re-hire eligibility, look-ups, self-service."""
