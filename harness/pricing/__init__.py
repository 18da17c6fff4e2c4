"""Prices: unit prices with their source, the cost of an answer, the worst case of a request."""
