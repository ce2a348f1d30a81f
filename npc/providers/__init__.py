"""Model providers behind Protocols, and the registry plugins add them to."""
