"""Who is calling: an access key (and later a session token) resolved to a Principal."""
