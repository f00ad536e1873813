"""The laptop side as a library: sign-in flows and the temporary credentials they end with."""
