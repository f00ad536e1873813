"""The access portal in the browser: sign-in at /start, accounts and roles, access keys, the console, device and authorize pages."""
