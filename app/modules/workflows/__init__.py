"""Workflow administration: CLI (deploy, lint, diagram, migrate, tick, drain), admin pages."""
