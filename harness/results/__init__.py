"""The results store: typed rows, their pinned Parquet schemas, run directories, remotes."""
