"""People who work in the system: accounts, roles, sessions and API tokens."""
