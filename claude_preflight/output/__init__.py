"""Output formats for findings: pretty (rich on a terminal, plain otherwise) and JSON."""
