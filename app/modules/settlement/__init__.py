"""Settlement sheet: what a leaver is owed and why, computed from the law library and the case."""
