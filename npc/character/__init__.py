"""Character sheets: the YAML schema, loading with located errors, and prompts."""
