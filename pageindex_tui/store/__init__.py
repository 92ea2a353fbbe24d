"""What is kept on disk: the library of indexes, the response cache, atomic writes, run records and logs,
output folders."""
