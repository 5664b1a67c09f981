"""Channel adapters: each translates between its wire format and the core's message types."""
