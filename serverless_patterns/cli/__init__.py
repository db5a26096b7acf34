"""The ``serverless-patterns`` command line: list, show, new, diagram, cost and check."""
