"""Migration model, loaders (YAML/JSON, SQL), planner and plan rendering."""
