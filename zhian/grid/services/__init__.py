"""State changes of grid governance: one transaction each, permission first, audit inside."""
