"""What wraps every request: the database session, security headers, server timing."""
