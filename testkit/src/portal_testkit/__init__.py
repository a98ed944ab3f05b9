"""Test support for the portal's packages: real servers, throwaway databases and bus namespaces,
the shared pytest fixtures, and the platform tests every feature service runs.

Installed for development and CI only (the Makefile's PACKAGES); no image ships it.
"""
