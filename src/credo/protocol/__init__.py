"""The wire: AWS Query requests in, XML out, SigV4 verified. No I/O, no store."""
