"""The synth-speed benchmark of serverless-patterns. Run it with ``bash bench/run``; see bench/__main__.py."""
