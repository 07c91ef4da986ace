"""Helpers the test fixtures use: the local HTTP origin that stands in for the web sites users link to."""
