"""What people read: Slack text and Block Kit, rendered by pure functions."""
