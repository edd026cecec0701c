"""Meetings: their rules (rules.py); storage, services and commands follow (issue 9)."""
