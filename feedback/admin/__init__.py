"""Admin screens: units, accounts and the procedure catalogue."""
