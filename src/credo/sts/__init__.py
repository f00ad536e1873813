"""STS's domain services: caller identity, and later session and role credentials."""
