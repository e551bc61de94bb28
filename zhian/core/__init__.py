"""Core: jurisdictions, accounts and roles, audit chain, shared helpers."""
