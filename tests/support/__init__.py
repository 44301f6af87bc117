"""Helpers the test suites share: real local servers and the running stack."""
