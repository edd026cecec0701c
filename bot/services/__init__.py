"""Use cases of the core: plain async functions over a session, shared by chat and CLI."""
