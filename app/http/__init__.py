"""The HTTP layer's plumbing: flask-smorest, JSON bodies, the error envelope, CORS, context."""
