"""notifications: renders and delivers the portal's emails (with the outbound log) and the back office's signed webhooks."""
SERVICE = "notifications"
