"""Keys, tokens, users and roles."""
