"""The audit trail: every API call and console sign-in as a CloudTrail-shaped event in the store,
a mutating call's event in the same transaction as its change; LookupEvents and ``credo audit``."""
