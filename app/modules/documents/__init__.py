"""PDF records: rendering, content-addressed storage, verification and signatures."""
