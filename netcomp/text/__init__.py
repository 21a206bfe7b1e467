"""Text shared by every page: English counts and lists, and escaping user-supplied strings."""
