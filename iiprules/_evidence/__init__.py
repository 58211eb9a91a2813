"""Private helpers of ``iiprules.evidence``: reading YAML and JSON documents within limits."""
