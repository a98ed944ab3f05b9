"""requests: Customer requests (issues), comments and attachments."""
SERVICE = "requests"
