"""Federation's pure parts: reading what identity providers publish and verifying what they sign."""
