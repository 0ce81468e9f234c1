"""Pricing provider work: the price table and usage lines."""
