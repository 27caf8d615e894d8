"""coordbot: incident-response coordination in Slack and by SMS."""
