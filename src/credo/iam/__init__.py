"""IAM's domain services: one module per aggregate."""
