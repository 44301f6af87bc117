"""What every service shares: the app factory, the error shape, request ids, service calls."""
