"""The one definition of every metric and the statistics behind each figure."""
