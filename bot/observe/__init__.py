"""What an IT team watches: Prometheus metrics, the readiness check, request context for logs."""
