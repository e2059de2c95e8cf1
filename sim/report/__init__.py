"""Reports: figures (matplotlib) and the HTML report, read from tidy run tables only."""
