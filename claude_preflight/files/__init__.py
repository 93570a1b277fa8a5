"""Reading request fixture files and mapping JSON Pointers to source positions."""
