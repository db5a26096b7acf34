"""One module per pattern."""
