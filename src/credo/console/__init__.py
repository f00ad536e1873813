"""The web console: sign-in, console sessions, CSRF, and pages that call the API's operations."""
