"""The warehouse contract: one hand-written field list, from which Arrow and Avro schemas derive."""
