"""The REST API and live dashboard over the multistore write side and its views."""
