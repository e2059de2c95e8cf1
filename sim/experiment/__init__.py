"""Experiments: designs, execution on processes or Dask, result store, statistics."""
