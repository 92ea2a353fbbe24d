"""The indexing engine: a document in, a PageIndex tree out. No UI imports."""
