"""The built-in StreamToSns forwarder (``app.handler``)."""
