"""Pure summarising functions shared by the tools: no I/O, table-tested with hand-made data."""
