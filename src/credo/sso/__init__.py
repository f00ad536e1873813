"""IAM Identity Center: the instance and its identity store, permission sets, account assignments
and the roles they provision (the sso-admin and identitystore APIs)."""
