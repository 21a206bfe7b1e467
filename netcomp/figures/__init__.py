"""Figure functions of the book: each takes tidy data and returns a matplotlib Figure."""
