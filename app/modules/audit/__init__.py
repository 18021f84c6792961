"""The audit log: `flask audit verify`, and signed checkpoints of the chain kept outside the database."""
