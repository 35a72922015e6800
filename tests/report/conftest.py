"""Reporter tests share the ``update_golden`` fixture defined in tests/conftest.py."""
